<#
    Process-launch timing shared by the benches (dot-source it).

    pwsh records the methods a start-up JIT-compiles (ProfileOptimization, "multicore JIT") in
    StartupProfileData-NonInteractive under its cache folder, and the next launch compiles them on
    a second core ahead of need. One profile is shared by every `pwsh -c` of a user, and each
    process overwrites it at exit. So when bare launches and AzRs launches alternate over one
    profile, every AzRs launch starts with the profile a bare launch left, which lacks the import
    path: its JIT work lands on the main thread, ~100 ms here. Measure-PwshLaunch therefore gives
    each kind of launch its own cache folder (XDG_CACHE_HOME, which pwsh honours on Linux and
    macOS) by default — each kind in its own steady state, as for a user whose sessions run that
    command — and -SharedJitProfile measures the alternating case as well.
#>

function Measure-PwshLaunch {
    # Launches each command of $Kinds (name -> pwsh -Command text) $Runs times, interleaved so
    # drift in machine load hits every kind alike, after one unmeasured launch each (disk cache,
    # JIT profile). Returns per kind: Ms (wall times of the launches) and Out (the output lines of
    # each launch).
    param(
        [Parameter(Mandatory)][System.Collections.Specialized.OrderedDictionary]$Kinds,
        [int]$Runs = 10,
        [switch]$SharedJitProfile
    )
    $pwsh = (Get-Process -Id $PID).Path
    $savedCache = $env:XDG_CACHE_HOME
    $cacheRoot = Join-Path ([System.IO.Path]::GetTempPath()) ('azrs-bench-jit-' + [guid]::NewGuid().ToString('N'))
    $result = [ordered]@{}
    foreach ($kind in $Kinds.Keys) { $result[$kind] = [pscustomobject]@{ Ms = [System.Collections.Generic.List[double]]::new(); Out = [System.Collections.Generic.List[object]]::new() } }
    try {
        for ($i = -1; $i -lt $Runs; $i++) {
            foreach ($kind in $Kinds.Keys) {
                $folder = 'shared'
                if (-not $SharedJitProfile) { $folder = $kind }
                $env:XDG_CACHE_HOME = Join-Path $cacheRoot $folder
                $sw = [System.Diagnostics.Stopwatch]::StartNew()
                $out = & $pwsh -NoProfile -NonInteractive -Command $Kinds[$kind]
                $sw.Stop()
                if ($LASTEXITCODE -ne 0) { throw "pwsh failed ($kind): $($Kinds[$kind])`n$out" }
                if ($i -lt 0) { continue }
                $result[$kind].Ms.Add($sw.Elapsed.TotalMilliseconds)
                $result[$kind].Out.Add([string[]]@($out))
            }
        }
    }
    finally {
        $env:XDG_CACHE_HOME = $savedCache
        Remove-Item -Recurse -Force $cacheRoot -ErrorAction SilentlyContinue
    }
    return $result
}

function Get-PairedMedian {
    # Median of the per-round differences between two kinds of an interleaved Measure-PwshLaunch
    # run: a launch varies by ±60 ms here, and neighbours share the machine's state of the moment.
    param([Parameter(Mandatory)]$Launches, [Parameter(Mandatory)][string]$Kind, [string]$Base = 'bare')
    $a = $Launches[$Kind].Ms
    $b = $Launches[$Base].Ms
    $d = @(for ($i = 0; $i -lt $a.Count; $i++) { $a[$i] - $b[$i] }) | Sort-Object
    $n = $d.Count
    if ($n % 2) { return $d[($n - 1) / 2] }
    return ($d[$n / 2 - 1] + $d[$n / 2]) / 2
}
