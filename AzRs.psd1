@{
    RootModule           = 'ps-module/AzRs.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = '5d1c6f2e-4b7a-4f0e-9a51-2f7d3c8e9b10'
    Author               = 'AzRs contributors'
    CompanyName          = 'AzRs'
    Copyright            = '(c) AzRs contributors. MIT License.'
    Description          = 'Sign in to Azure the way Az.Accounts does (Connect-AzAccount, contexts, environments, config), from a fast Rust engine.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    FormatsToProcess     = @('ps-module/AzRs.Format.ps1xml')
    FunctionsToExport    = @(
        'Add-AzEnvironment'
        'Clear-AzConfig'
        'Clear-AzContext'
        'Connect-AzAccount'
        'Disable-AzContextAutosave'
        'Disconnect-AzAccount'
        'Enable-AzContextAutosave'
        'Export-AzConfig'
        'Get-AzAccessToken'
        'Get-AzConfig'
        'Get-AzContext'
        'Get-AzContextAutosaveSetting'
        'Get-AzEnvironment'
        'Get-AzRsEngine'
        'Get-AzSubscription'
        'Get-AzTenant'
        'Import-AzConfig'
        'Import-AzContext'
        'Remove-AzContext'
        'Remove-AzEnvironment'
        'Rename-AzContext'
        'Save-AzContext'
        'Select-AzContext'
        'Set-AzContext'
        'Set-AzEnvironment'
        'Update-AzConfig'
        'Start-AzRsEmulator'
        'Stop-AzRsEmulator'
    )
    CmdletsToExport      = @()
    VariablesToExport    = @()
    AliasesToExport      = @(
        'Add-AzAccount'
        'Import-AzureRmContext'
        'Login-AzAccount'
        'Login-AzureRmAccount'
        'Logout-AzAccount'
        'Save-AzProfile'
        'Select-AzProfile'
        'Select-AzSubscription'
        'Set-AzConfig'
    )
    PrivateData          = @{
        PSData = @{
            Tags       = @('Azure', 'Authentication', 'Az.Accounts', 'Connect-AzAccount')
            ProjectUri = 'https://example.invalid/azrs'
        }
    }
}
