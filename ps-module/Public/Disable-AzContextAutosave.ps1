function Disable-AzContextAutosave {
    <#
    .SYNOPSIS
        Disables saving contexts to AzureRmContext.json: for the user (default; writes
        AzureRmContextSettings.json) or for this process only (-Scope Process).
    #>
    [CmdletBinding(SupportsShouldProcess)]
    [OutputType('Microsoft.Azure.Commands.Common.Authentication.ContextAutosaveSettings')]
    param(
        [ValidateSet('Process', 'CurrentUser')]
        [string]$Scope,

        [Alias('AzContext', 'AzureRmContext', 'AzureCredential')]
        [psobject]$DefaultProfile
    )
    $target = 'CurrentUser'
    if ($Scope) { $target = $Scope }
    if (-not $PSCmdlet.ShouldProcess($target, 'Disable context autosave')) { return }
    $result = Invoke-AzRsNative -Op 'autosave.disable' -Arguments @{ scope = (Get-AzRsScopeArgument $PSBoundParameters) } -Cmdlet $PSCmdlet
    Add-AzRsTypeName $result $script:AzRsTypeAutosave
    $result
}
