<#
    Import and call costs of AzRs, in fresh `pwsh -NoProfile` processes (medians of -Runs each):
    - bare pwsh (`-c 1`) vs `Import-Module AzRs`: the import cost over bare pwsh (target <= 100 ms),
      each kind of launch with its own pwsh JIT profile (Launch.ps1 says why), and again with
      the two alternating over one shared profile;
    - Import-Module timed inside the process (less noise than process launch times);
    - the first cmdlet (Get-AzConfig: loads the native library, reads the env, one engine call);
    - warm per-call costs in one process: Get-AzConfig, Invoke-AzRsNative with and without the
      env block, and its parts (request building, P/Invoke round trip, ConvertFrom-Json).
    HOME points at an empty temp folder, so no real profile is read.
#>
param([string]$Root, [int]$Runs = 10)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'Launch.ps1')
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
    $timeImport = "`$sw=[Diagnostics.Stopwatch]::StartNew(); Import-Module $q; `$sw.Stop(); `$sw.Elapsed.TotalMilliseconds"
    $timeFirst = "Import-Module $q; `$sw=[Diagnostics.Stopwatch]::StartNew(); `$null = Get-AzConfig; `$sw.Stop(); `$sw.Elapsed.TotalMilliseconds"
    # CPU time of the whole process, printed by itself at the end: far less sensitive than wall
    # time to other work on a shared machine.
    $cpu = '; [Diagnostics.Process]::GetCurrentProcess().TotalProcessorTime.TotalMilliseconds'
    $kinds = [ordered]@{
        bare   = '1' + $cpu
        import = $timeImport + $cpu
        first  = $timeFirst
    }
    # Each kind with its own pwsh JIT profile (the headline: see Launch.ps1), then alternating
    # over one shared profile, as this bench measured before.
    $own = Measure-PwshLaunch -Kinds $kinds -Runs $Runs
    $shared = Measure-PwshLaunch -Kinds ([ordered]@{ bare = $kinds.bare; import = $kinds.import }) -Runs $Runs -SharedJitProfile
    $bareMs = Get-Median $own.bare.Ms
    $importMs = Get-Median $own.import.Ms
    [pscustomobject]@{ Name = 'bare pwsh -NoProfile -c 1'; Value = [math]::Round($bareMs, 1); Unit = 'ms'; Ratio = 1.0; Note = "median of $Runs launches" }
    [pscustomobject]@{ Name = 'pwsh + Import-Module AzRs'; Value = [math]::Round($importMs, 1); Unit = 'ms'; Ratio = [math]::Round($importMs / $bareMs, 2); Note = '' }
    [pscustomobject]@{ Name = 'import cost over bare pwsh'; Value = [math]::Round($importMs - $bareMs, 1); Unit = 'ms'; Ratio = [math]::Round(($importMs - $bareMs) / 100, 2); Note = 'each kind with its own JIT profile; target <= 100 ms (Ratio = value / 100)' }
    $sharedOver = (Get-Median $shared.import.Ms) - (Get-Median $shared.bare.Ms)
    [pscustomobject]@{ Name = 'import cost over bare, one shared JIT profile'; Value = [math]::Round($sharedOver, 1); Unit = 'ms'; Ratio = [math]::Round($sharedOver / 100, 2); Note = 'launches alternate, each import starts with the profile a bare launch wrote' }
    # The last output line is the process's CPU time; the one before, Import-Module timed inside.
    $bareCpuMs = Get-Median ($own.bare.Out | ForEach-Object { [double]$_[-1] })
    $importCpuMs = Get-Median ($own.import.Out | ForEach-Object { [double]$_[-1] })
    $inProc = $own.import.Out | ForEach-Object { [double]$_[-2] }
    [pscustomobject]@{ Name = 'CPU: bare pwsh'; Value = [math]::Round($bareCpuMs, 1); Unit = 'ms cpu'; Ratio = 1.0; Note = 'user+sys of the process' }
    [pscustomobject]@{ Name = 'CPU: pwsh + Import-Module AzRs'; Value = [math]::Round($importCpuMs, 1); Unit = 'ms cpu'; Ratio = [math]::Round($importCpuMs / $bareCpuMs, 2); Note = '' }
    [pscustomobject]@{ Name = 'CPU: import cost over bare pwsh'; Value = [math]::Round($importCpuMs - $bareCpuMs, 1); Unit = 'ms cpu'; Ratio = $null; Note = 'load-independent view of the same' }
    [pscustomobject]@{ Name = 'Import-Module (timed in process)'; Value = [math]::Round((Get-Median $inProc), 1); Unit = 'ms'; Ratio = $null; Note = '' }
    [pscustomobject]@{ Name = 'first cmdlet: Get-AzConfig'; Value = [math]::Round((Get-Median ($own.first.Out | ForEach-Object { [double]$_[-1] })), 1); Unit = 'ms'; Ratio = $null; Note = 'loads the engine' }

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
