# Import stays cheap: no engine load and no module auto-loading at import (no timings here;
# bench/import.bench.ps1 measures). Checked in a fresh pwsh so nothing else has loaded them.

Describe 'Import-Module AzRs' {
    It 'loads neither the native library nor other modules' {
        $psd1 = (Resolve-Path "$PSScriptRoot/../AzRs.psd1").Path -replace "'", "''"
        $probe = "Import-Module '$psd1'; " +
            "[bool](Get-Module Microsoft.PowerShell.Utility); [bool](Get-Module Microsoft.PowerShell.Management); " +
            "`$null -eq (& (Get-Module AzRs) { `$script:AzRsNative })"
        $out = @(& pwsh -NoProfile -NonInteractive -Command $probe)
        $LASTEXITCODE | Should -Be 0
        $out[0] | Should -Be 'False' -Because 'a top-level cmdlet such as Set-Alias auto-loads Microsoft.PowerShell.Utility (~80 ms)'
        $out[1] | Should -Be 'False'
        $out[2] | Should -Be 'True' -Because 'the engine loads on the first cmdlet, not at import'
    }

    It 'exports every Public function and declared alias' {
        $psd1 = Resolve-Path "$PSScriptRoot/../AzRs.psd1"
        $module = Import-Module $psd1 -Force -PassThru
        $manifest = Import-PowerShellDataFile $psd1
        @($module.ExportedFunctions.Keys | Sort-Object) | Should -Be @($manifest.FunctionsToExport | Sort-Object)
        @($module.ExportedAliases.Keys | Sort-Object) | Should -Be @($manifest.AliasesToExport | Sort-Object)
    }
}
