<#
.SYNOPSIS
    Runs every bench/*.bench.ps1 once and prints its numbers (one table per bench).
.DESCRIPTION
    Each bench script writes objects with Name, Value, Unit and optional Ratio/Note. Results are
    also saved as JSON under bench/results/ (ignored by git). Build first: ./build.ps1.
    pwsh -NoProfile -File bench/run.ps1 [-Filter import] [-Runs 10]
#>
[CmdletBinding()]
param(
    # Only benches whose file name contains this.
    [string]$Filter = '',
    # Process launches per measurement (median is reported).
    [int]$Runs = 10
)
$ErrorActionPreference = 'Stop'
$root = Split-Path -Parent $PSScriptRoot
$resultsDir = Join-Path $PSScriptRoot 'results'
$null = New-Item -ItemType Directory -Force -Path $resultsDir
$all = @()
foreach ($bench in Get-ChildItem $PSScriptRoot -Filter '*.bench.ps1' | Sort-Object Name) {
    if ($Filter -and $bench.Name -notlike "*$Filter*") { continue }
    Write-Host "==> $($bench.Name)" -ForegroundColor Cyan
    $rows = @(& $bench.FullName -Root $root -Runs $Runs)
    $rows | Format-Table -AutoSize Name, Value, Unit, Ratio, Note | Out-String -Width 200 | Write-Host
    $all += $rows | ForEach-Object { $_ | Add-Member -NotePropertyName Bench -NotePropertyValue $bench.BaseName -PassThru -Force }
}
$stamp = (Get-Date).ToUniversalTime().ToString('yyyyMMdd-HHmmss')
$all | ConvertTo-Json -Depth 3 | Set-Content -Path (Join-Path $resultsDir "bench-$stamp.json") -Encoding UTF8
