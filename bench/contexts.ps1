<#
.SYNOPSIS
    Context store benchmark: 1,000 saved contexts (~3.4 MB Az-shaped AzureRmContext.json) in a
    warm session. Times Select-AzContext (a locked read-modify-write of the file) and
    Get-AzContext -ListAvailable, and ConvertFrom-Json of the same file for comparison.
.EXAMPLE
    pwsh -NoProfile -File bench/contexts.ps1            # after ./build.ps1
    pwsh -NoProfile -File bench/contexts.ps1 -Runs 50 -Count 1000
#>
param(
    [int]$Count = 1000,
    [int]$Runs = 30
)
$ErrorActionPreference = 'Stop'
$root = Split-Path -Parent $PSScriptRoot
$home0 = $env:HOME
$tmp = Join-Path ([System.IO.Path]::GetTempPath()) ('azrs-bench-' + [guid]::NewGuid().ToString('N'))
$azure = Join-Path $tmp '.Azure'
$file = Join-Path $azure 'AzureRmContext.json'
& (Join-Path $PSScriptRoot 'New-AzRsContextFile.ps1') -Path $file -Count $Count
$env:HOME = $tmp
$env:USERPROFILE = $tmp
try {
    Import-Module (Join-Path $root 'AzRs.psd1') -Force

    function Measure-Median {
        param([scriptblock]$Block, [int]$N)
        $times = foreach ($i in 1..$N) {
            $sw = [System.Diagnostics.Stopwatch]::StartNew()
            $null = & $Block $i
            $sw.Elapsed.TotalMilliseconds
        }
        $sorted = @($times | Sort-Object)
        return [math]::Round($sorted[[int][math]::Floor($sorted.Count / 2)], 2)
    }

    # Warm up: load the library and the profile once (the first call parses the file).
    $sw = [System.Diagnostics.Stopwatch]::StartNew()
    $names = @(Get-AzContext -ListAvailable).Name
    $first = [math]::Round($sw.Elapsed.TotalMilliseconds, 1)
    Select-AzContext -Name $names[1] | Out-Null

    $select = Measure-Median -N $Runs -Block { param($i) Select-AzContext -Name $names[$i % $names.Count] }
    $list = Measure-Median -N $Runs -Block { Get-AzContext -ListAvailable }
    $get = Measure-Median -N $Runs -Block { Get-AzContext }
    $json = Measure-Median -N ([math]::Min($Runs, 10)) -Block { ConvertFrom-Json -InputObject ([System.IO.File]::ReadAllText($file)) }

    $size = (Get-Item $file).Length
    [pscustomobject]@{
        Contexts                    = $names.Count
        FileMB                      = [math]::Round($size / 1MB, 2)
        FirstListMs                 = $first
        SelectAzContextMs           = $select
        GetAzContextMs              = $get
        GetAzContextListAvailableMs = $list
        ConvertFromJsonMs           = $json
        'ConvertFromJson/Select'    = [math]::Round($json / $select, 1)
        'ConvertFromJson/List'      = [math]::Round($json / $list, 1)
    } | Format-List
}
finally {
    $env:HOME = $home0
    Remove-Item -Recurse -Force $tmp -ErrorAction SilentlyContinue
}
