# Shared by Context.Tests.ps1 and Environment.Tests.ps1: a fresh profile folder per test, fixtures,
# and a second PowerShell process that sees only the files.

$script:RepoRoot = Split-Path -Parent $PSScriptRoot
$script:ModulePath = Join-Path $script:RepoRoot 'AzRs.psd1'
$script:Fixtures = Join-Path $PSScriptRoot 'fixtures/contexts'

function New-TestHome {
    # Points HOME (the engine's UserProfile) at a new temp folder; returns its .Azure folder.
    param([string]$Fixture)
    $root = Join-Path ([System.IO.Path]::GetTempPath()) ('azrs-ctx-' + [guid]::NewGuid().ToString('N'))
    $azure = Join-Path $root '.Azure'
    $null = New-Item -ItemType Directory -Path $azure -Force
    $env:HOME = $root
    $env:USERPROFILE = $root
    $env:XDG_DATA_HOME = Join-Path $root '.local/share'
    if ($Fixture) { Copy-Item (Join-Path $script:Fixtures $Fixture) (Join-Path $azure 'AzureRmContext.json') }
    return $azure
}

function Get-ContextFile {
    # The context file, parsed (the test's own reader: ConvertFrom-Json tolerates the BOM).
    param([string]$Azure)
    $text = [System.IO.File]::ReadAllText((Join-Path $Azure 'AzureRmContext.json'))
    return ConvertFrom-Json -InputObject $text
}

function Get-ContextNames {
    param($File)
    return @($File.Contexts.PSObject.Properties | ForEach-Object Name)
}

function Invoke-SecondProcess {
    # Runs $Script in a new pwsh with the module imported and the same HOME; returns its output
    # parsed from JSON (the script must end with ConvertTo-Json).
    param([string]$Script)
    $cmd = "`$ErrorActionPreference = 'Stop'; Import-Module '$($script:ModulePath)'; $Script"
    $out = & pwsh -NoProfile -NonInteractive -Command $cmd
    if ($LASTEXITCODE -ne 0) { throw "second process failed: $out" }
    if (-not $out) { return $null }
    return (($out -join "`n") | ConvertFrom-Json)
}
