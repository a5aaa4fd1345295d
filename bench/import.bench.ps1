<#
    Import and call costs of AzRs, in fresh `pwsh -NoProfile` processes:
    - `pwsh -c 'Import-Module AzRs'` against `pwsh -c 1` (target <= 100 ms over), as the median
      of paired differences over at least 40 interleaved rounds, each kind of launch with its own
      pwsh JIT profile (Launch.ps1 says why), beside two floor modules from Floor.ps1 measured in
      the same rounds (an empty module; AzRs's 28 command names as bare advanced functions with
      its format file), and again alternating over one shared JIT profile;
    - Import-Module timed inside the process (less noise than process launch times);
    - the first cmdlet (Get-AzConfig: loads the native library, reads the env, one engine call);
    - warm per-call costs in one process: Get-AzConfig, Invoke-AzRsNative with and without the
      env block, and its parts (request building, P/Invoke round trip, ConvertFrom-Json).
    HOME points at an empty temp folder, so no real profile is read.
#>
param([string]$Root, [int]$Runs = 10)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'Launch.ps1')
. (Join-Path $PSScriptRoot 'Floor.ps1')
$psd1 = Join-Path $Root 'AzRs.psd1'
$pwsh = (Get-Process -Id $PID).Path

function Get-Median([double[]]$Values) {
    $s = $Values | Sort-Object
    $n = $s.Count
    if ($n % 2) { return $s[($n - 1) / 2] }
    return ($s[$n / 2 - 1] + $s[$n / 2]) / 2
}

function Measure-Launch([string]$Command) {
    $sw = [System.Diagnostics.Stopwatch]::StartNew()
    $out = & $pwsh -NoProfile -NonInteractive -Command $Command
    $sw.Stop()
    if ($LASTEXITCODE -ne 0) { throw "pwsh failed: $Command`n$out" }
    return [pscustomobject]@{ Ms = $sw.Elapsed.TotalMilliseconds; Out = $out }
}

$benchHome = Join-Path ([System.IO.Path]::GetTempPath()) ('azrs-bench-' + [guid]::NewGuid().ToString('N'))
$null = New-Item -ItemType Directory -Path $benchHome
$savedHome = $env:HOME
$env:HOME = $benchHome
try {
    $q = "'" + ($psd1 -replace "'", "''") + "'"
    $floorDir = Join-Path $benchHome 'floor'
    $emptyPsd1 = New-FloorModule -Kind Empty -Folder $floorDir -Root $Root
    $functionsPsd1 = New-FloorModule -Kind Functions -Folder $floorDir -Root $Root
    # The headline compares exactly what the target names: `pwsh -NoProfile -c 'Import-Module AzRs'`
    # against `pwsh -NoProfile -c 1`; the same with `; 1` after the import (both then format one
    # output), and the two floor modules, in the same interleaved run. Nothing else runs in these
    # launches: in-process timing and the first cmdlet are separate kinds below.
    $kinds = [ordered]@{
        bare      = '1'
        import    = "Import-Module $q"
        import1   = "Import-Module $q; 1"
        empty     = "Import-Module '$emptyPsd1'"
        functions = "Import-Module '$functionsPsd1'"
    }
    # A launch varies by about ±60 ms here: 40 interleaved rounds pin a paired median to ~±10 ms.
    $launches = [Math]::Max($Runs, 40)
    $own = Measure-PwshLaunch -Kinds $kinds -Runs $launches
    $bareMs = Get-Median $own.bare.Ms
    $over = Get-PairedMedian $own 'import'
    [pscustomobject]@{ Name = 'bare pwsh -NoProfile -c 1'; Value = [math]::Round($bareMs, 1); Unit = 'ms'; Ratio = 1.0; Note = "median of $launches launches, each kind with its own pwsh JIT profile" }
    [pscustomobject]@{ Name = 'import cost over bare pwsh'; Value = [math]::Round($over, 1); Unit = 'ms'; Ratio = [math]::Round($over / 100, 2); Note = "pwsh -c 'Import-Module AzRs' vs -c 1, median of paired rounds; target <= 100 ms (Ratio = value / 100)" }
    $over1 = Get-PairedMedian $own 'import1'
    [pscustomobject]@{ Name = 'import cost over bare, both printing 1'; Value = [math]::Round($over1, 1); Unit = 'ms'; Ratio = [math]::Round($over1 / 100, 2); Note = "-c 'Import-Module AzRs; 1'" }
    $emptyOver = Get-PairedMedian $own 'empty'
    [pscustomobject]@{ Name = 'floor: empty module over bare'; Value = [math]::Round($emptyOver, 1); Unit = 'ms'; Ratio = $null; Note = 'Import-Module of a manifest + empty psm1 (Floor.ps1)' }
    $functionsOver = Get-PairedMedian $own 'functions'
    [pscustomobject]@{ Name = 'floor: 28 bare advanced functions + AzRs views over bare'; Value = [math]::Round($functionsOver, 1); Unit = 'ms'; Ratio = [math]::Round($functionsOver / 100, 2); Note = 'AzRs''s export names with param() only and its format file: no parameters, help or loader' }
    [pscustomobject]@{ Name = 'AzRs over that floor'; Value = [math]::Round($over - $functionsOver, 1); Unit = 'ms'; Ratio = $null; Note = 'what the param blocks, help, aliases and loader cost' }
    $shared = Measure-PwshLaunch -Kinds ([ordered]@{ bare = $kinds.bare; import = $kinds.import }) -Runs $Runs -SharedJitProfile
    $sharedOver = Get-PairedMedian $shared 'import'
    [pscustomobject]@{ Name = 'import cost over bare, one shared JIT profile'; Value = [math]::Round($sharedOver, 1); Unit = 'ms'; Ratio = [math]::Round($sharedOver / 100, 2); Note = "$Runs rounds; launches alternate, each import starts with the profile a bare launch wrote" }

    # Inside the process: Import-Module timed by itself, then the first cmdlet (loads the engine).
    $timeImport = "`$sw=[Diagnostics.Stopwatch]::StartNew(); Import-Module $q; `$sw.Stop(); `$sw.Elapsed.TotalMilliseconds"
    $timeFirst = "Import-Module $q; `$sw=[Diagnostics.Stopwatch]::StartNew(); `$null = Get-AzConfig; `$sw.Stop(); `$sw.Elapsed.TotalMilliseconds"
    $inProcess = Measure-PwshLaunch -Kinds ([ordered]@{ import = $timeImport; first = $timeFirst }) -Runs $Runs
    [pscustomobject]@{ Name = 'Import-Module (timed in process)'; Value = [math]::Round((Get-Median ($inProcess.import.Out | ForEach-Object { [double]$_[-1] })), 1); Unit = 'ms'; Ratio = $null; Note = '' }
    [pscustomobject]@{ Name = 'first cmdlet: Get-AzConfig'; Value = [math]::Round((Get-Median ($inProcess.first.Out | ForEach-Object { [double]$_[-1] })), 1); Unit = 'ms'; Ratio = $null; Note = 'loads the engine' }

    # Warm per-call costs, in one process.
    $warm = @"
Import-Module $q
`$m = Get-Module AzRs
`$null = Get-AzConfig
& `$m { Import-AzRsChunk -All }
function T([int]`$n, [scriptblock]`$b) { for (`$i = 0; `$i -lt 20; `$i++) { `$null = & `$b }; `$sw = [Diagnostics.Stopwatch]::StartNew(); for (`$i = 0; `$i -lt `$n; `$i++) { `$null = & `$b }; `$sw.Stop(); `$sw.Elapsed.TotalMilliseconds * 1000 / `$n }
'Get-AzConfig -CheckForUpgrade=' + (T 300 { Get-AzConfig -CheckForUpgrade })
'Invoke-AzRsNative engine.info (no env)=' + (T 1000 { & `$m { Invoke-AzRsNative -Op 'engine.info' -NoEnvironment } })
'Invoke-AzRsNative diag.echo (env block)=' + (T 1000 { & `$m { Invoke-AzRsNative -Op 'diag.echo' -Arguments @{ a = 1; b = 'x' } } })
'  part: ConvertTo-AzRsRequest=' + (T 1000 { & `$m { ConvertTo-AzRsRequest -Op 'diag.echo' -Arguments @{ a = 1; b = 'x' } } })
'  part: Get-AzRsEnvironmentBlock=' + (T 1000 { & `$m { Get-AzRsEnvironmentBlock } })
'  part: P/Invoke round trip (-Raw, no env)=' + (T 1000 { & `$m { Invoke-AzRsNative -Op 'engine.info' -NoEnvironment -Raw } })
'  part: ConvertFrom-Json of a small result=' + (T 1000 { ConvertFrom-Json '{"version":"0.1.0","abi":1,"os":"linux","arch":"x86_64"}' })
'  part: empty scriptblock in module scope=' + (T 1000 { & `$m { } })
"@
    $lines = (Measure-Launch $warm).Out
    foreach ($line in $lines) {
        $name, $value = $line -split '=', 2
        [pscustomobject]@{ Name = "warm: $name"; Value = [math]::Round([double]$value, 1); Unit = 'us/call'; Ratio = $null; Note = '' }
    }
}
finally {
    $env:HOME = $savedHome
    # Only the folder made above (its name is unique), never a HOME.
    if ((Split-Path -Leaf $benchHome).StartsWith('azrs-bench-')) { Remove-Item -Recurse -Force $benchHome -ErrorAction SilentlyContinue }
}
