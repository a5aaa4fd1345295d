<#
.SYNOPSIS
    What a new pwsh process charges for the first use of each step every module of AzRs's design
    needs for `Get-AzAccessToken` (the new-process target), and for the same steps a second time.
.DESCRIPTION
    The steps are Floor.ps1's token floor (Get-FloorTokenStep), run as a script in new processes
    (no module, no function): emit the dynamic assembly and the two P/Invoke declarations, build
    the environment block, call the engine (auth.token from the cache of an empty HOME: an error
    value, which is still one full engine call), copy and free the reply, build Az's token object
    (from a stand-in reply of the same shape). Each step is
    timed on the pipeline thread with the methods the JIT compiled for it, then the whole
    sequence runs again in the same process. The first pass is what a new process pays; the
    second is what the same code costs once PowerShell has bound its call sites.

    pwsh -NoProfile -File bench/first-use.bench.ps1 [-Runs 10]
#>
[CmdletBinding()]
param(
    [string]$Root = (Split-Path -Parent $PSScriptRoot),
    [int]$Runs = 10
)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'Floor.ps1')
$steps = Get-FloorTokenStep -Library (Get-FloorLibraryPath -Root $Root)

$script = [System.Text.StringBuilder]::new()
$null = $script.AppendLine('$jit = [System.Runtime.JitInfo]; $sw = [System.Diagnostics.Stopwatch]::new(); $out = [System.Collections.Generic.List[string]]::new()')
foreach ($pass in 1, 2) {
    $i = 0
    foreach ($step in $steps.GetEnumerator()) {
        # The engine's reply from an empty HOME is an error value: the token step reads a stand-in
        # reply of the same shape instead (set before its timer starts).
        if ($step.Key -like 'Token object*') { $null = $script.AppendLine('$raw = ''"token\n1900000000\ntenant\nuser"''') }
        $null = $script.AppendLine('$j0 = $jit::GetCompiledMethodCount($true); $sw.Restart()')
        $null = $script.AppendLine($step.Value)
        $null = $script.AppendLine("`$out.Add('$pass;$i;' + `$sw.Elapsed.TotalMilliseconds.ToString([cultureinfo]::InvariantCulture) + ';' + (`$jit::GetCompiledMethodCount(`$true) - `$j0))")
        $i++
    }
}
$null = $script.AppendLine('$out -join "|"')

$benchHome = Join-Path ([System.IO.Path]::GetTempPath()) ('azrs-firstuse-' + [guid]::NewGuid().ToString('N'))
$null = New-Item -ItemType Directory -Path $benchHome
$savedHome = $env:HOME
$exe = (Get-Process -Id $PID).Path
$samples = @{}
try {
    $env:HOME = $benchHome  # an empty HOME: the engine call reads no real cache
    for ($r = 0; $r -lt $Runs; $r++) {
        $line = & $exe -NoProfile -NonInteractive -Command $script.ToString()
        foreach ($cell in ([string]($line | Select-Object -Last 1)).Split('|')) {
            $f = $cell.Split(';')
            $key = "$($f[0]);$($f[1])"
            if (-not $samples.ContainsKey($key)) { $samples[$key] = [System.Collections.Generic.List[double[]]]::new() }
            $samples[$key].Add([double[]]@([double]::Parse($f[2], [cultureinfo]::InvariantCulture), [double]$f[3]))
        }
    }
}
finally {
    $env:HOME = $savedHome
    Remove-Item -Recurse -Force $benchHome -ErrorAction SilentlyContinue
}

function Get-Median { param([double[]]$Values) $s = $Values | Sort-Object; $s[[int][Math]::Floor(($s.Count - 1) / 2)] }
$firstTotal = 0.0; $secondTotal = 0.0
$i = 0
foreach ($step in $steps.Keys) {
    $first = $samples["1;$i"]; $second = $samples["2;$i"]
    $firstMs = Get-Median @($first | ForEach-Object { $_[0] }); $firstJit = Get-Median @($first | ForEach-Object { $_[1] })
    $secondMs = Get-Median @($second | ForEach-Object { $_[0] })
    $firstTotal += $firstMs; $secondTotal += $secondMs
    [pscustomobject]@{ Name = "First use: $step"; Value = [Math]::Round($firstMs, 1); Unit = 'ms'; Ratio = $null; Note = "$firstJit methods JIT-compiled on the pipeline thread; the same code again: $([Math]::Round($secondMs * 1000, 0)) us" }
    $i++
}
[pscustomobject]@{ Name = 'First use: all steps'; Value = [Math]::Round($firstTotal, 1); Unit = 'ms'; Ratio = [Math]::Round($firstTotal / 150, 2); Note = "sum of step medians over $Runs new processes; Ratio = value / the 150 ms new-process target" }
[pscustomobject]@{ Name = 'Second use: all steps'; Value = [Math]::Round($secondTotal, 2); Unit = 'ms'; Ratio = $null; Note = 'the same statements again in the same process' }
