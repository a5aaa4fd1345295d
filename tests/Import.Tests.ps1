# Import stays cheap: no engine load and no module auto-loading at import (no timings here;
# bench/import.bench.ps1 measures). Checked in a fresh pwsh so nothing else has loaded them.

Describe 'Import-Module AzRs' {
    It 'loads neither the native library nor other modules' {
        $psd1 = (Resolve-Path "$PSScriptRoot/../AzRs.psd1").Path -replace "'", "''"
        $probe = "Import-Module '$psd1'; " +
            "[bool](Get-Module Microsoft.PowerShell.Utility); [bool](Get-Module Microsoft.PowerShell.Management); " +
            "`$null -eq (& (Get-Module AzRs) { Import-AzRsChunk -All; `$script:AzRsNative })"
        $out = @(& pwsh -NoProfile -NonInteractive -Command $probe)
        $LASTEXITCODE | Should -Be 0
        $out[0] | Should -Be 'False' -Because 'a top-level cmdlet such as Set-Alias auto-loads Microsoft.PowerShell.Utility (~80 ms)'
        $out[1] | Should -Be 'False'
        $out[2] | Should -Be 'True' -Because 'the engine loads on the first cmdlet, not at import'
    }

    It 'shows every command''s parameters before its first call: Get-Help, Get-Command, tab completion' {
        $psd1 = (Resolve-Path "$PSScriptRoot/../AzRs.psd1").Path -replace "'", "''"
        $probe = "Import-Module '$psd1'; " +
            "((Get-Help Connect-AzAccount).Syntax | Out-String -Width 4000) -match '-ServicePrincipal'; " +
            "(Get-Help Connect-AzAccount -Parameter Tenant).name; " +
            "@((Get-Command Connect-AzAccount).ParameterSets).Count; " +
            "(Get-Command Get-AzContext -Syntax) -match '-ListAvailable'; " +
            "(TabExpansion2 'Connect-AzAccount -ServiceP' 27).CompletionMatches.CompletionText; " +
            "(TabExpansion2 'Connect-AzAccount -Scope ' 25).CompletionMatches.CompletionText -join ','; " +
            "`$null -eq (& (Get-Module AzRs) { `$script:AzRsNative })"
        $out = @(& pwsh -NoProfile -NonInteractive -Command $probe)
        $LASTEXITCODE | Should -Be 0
        $out | Should -Be @('True', 'Tenant', '8', 'True', '-ServicePrincipal', 'CurrentUser,Process', 'True')
    }

    It 'lets Pester (6 and 5) mock its commands before their first call' {
        foreach ($version in '6.2.0', '5.7.1') {
            $env:AZRS_TEST_PSD1 = (Resolve-Path "$PSScriptRoot/../AzRs.psd1").Path
            $fixture = (Resolve-Path "$PSScriptRoot/fixtures/mock/MockAzRs.ps1").Path -replace "'", "''"
            $probe = "Import-Module Pester -RequiredVersion $version; `$c = New-PesterConfiguration; `$c.Run.Path = '$fixture'; `$c.Run.PassThru = `$true; `$c.Output.Verbosity = 'None'; " +
                "`$r = Invoke-Pester -Configuration `$c; '' + `$r.PassedCount + '/' + `$r.TotalCount"
            $out = @(& pwsh -NoProfile -NonInteractive -Command $probe)
            $env:AZRS_TEST_PSD1 = $null
            $out[-1] | Should -Be '3/3' -Because "Pester $version"
        }
    }

    It 'parses a command''s body on its first call, and the command stays the module''s export' {
        $psd1 = (Resolve-Path "$PSScriptRoot/../AzRs.psd1").Path -replace "'", "''"
        $loaded = "[bool](& (Get-Module AzRs) { `$script:AzRs_Get_AzEnvironment_process })"
        $probe = "Import-Module '$psd1'; `$c = Get-Command Get-AzEnvironment; $loaded; (Get-AzEnvironment -Name AzureCloud).Name; " +
            "`$after = Get-Command Get-AzEnvironment; [object]::ReferenceEquals(`$c, `$after); $loaded; " +
            "`$after.Module.Name; Remove-Module AzRs; [bool](Get-Command Get-AzEnvironment -ErrorAction SilentlyContinue)"
        $out = @(& pwsh -NoProfile -NonInteractive -Command $probe)
        $LASTEXITCODE | Should -Be 0
        $out | Should -Be @('False', 'AzureCloud', 'True', 'True', 'AzRs', 'False')
    }

    It 'reads engine results without importing Microsoft.PowerShell.Utility (ConvertFrom-Json''s class, not the cmdlet)' {
        $psd1 = (Resolve-Path "$PSScriptRoot/../AzRs.psd1").Path -replace "'", "''"
        $out = @(& pwsh -NoProfile -NonInteractive -Command "Import-Module '$psd1'; @(Get-AzConfig).Count -gt 5; (Get-AzEnvironment -Name AzureCloud).Name; [bool](Get-Module Microsoft.PowerShell.Utility)")
        $out | Should -Be @('True', 'AzureCloud', 'False') -Because 'importing that module costs ~80 ms on first use'
    }

    It 'runs the first call of a command with pipeline input, -WhatIf and errors as the command itself' {
        $psd1 = (Resolve-Path "$PSScriptRoot/../AzRs.psd1").Path -replace "'", "''"
        $probe = "Import-Module '$psd1'; (@('AzureCloud', 'AzureChinaCloud') | ForEach-Object { [pscustomobject]@{ Name = `$_ } } | Get-AzEnvironment).Name; " +
            "try { Remove-AzEnvironment -Name 'NoSuchCloud' -ErrorAction Stop } catch { `$_.FullyQualifiedErrorId }"
        $out = @(& pwsh -NoProfile -NonInteractive -Command $probe)
        $out | Should -Be @('AzureCloud', 'AzureChinaCloud', 'EnvironmentNotFound,Remove-AzEnvironment')
    }

    It 'exports every Public function and declared alias' {
        $psd1 = Resolve-Path "$PSScriptRoot/../AzRs.psd1"
        $module = Import-Module $psd1 -Force -PassThru
        $manifest = Import-PowerShellDataFile $psd1
        @($module.ExportedFunctions.Keys | Sort-Object) | Should -Be @($manifest.FunctionsToExport | Sort-Object)
        @($module.ExportedAliases.Keys | Sort-Object) | Should -Be @($manifest.AliasesToExport | Sort-Object)
    }
}
