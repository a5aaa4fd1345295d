function Get-AzContextAutosaveSetting {
    <#
    .SYNOPSIS
        Shows whether contexts are saved (Mode CurrentUser) or kept in this process (Mode Process),
        and where the context file is.
    #>
    [CmdletBinding()]
    [OutputType('Microsoft.Azure.Commands.Common.Authentication.ContextAutosaveSettings')]
    param(
        [ValidateSet('Process', 'CurrentUser')]
        [string]$Scope,

        [Alias('AzContext', 'AzureRmContext', 'AzureCredential')]
        [psobject]$DefaultProfile
    )
    $result = Invoke-AzRsNative -Op 'autosave.get' -Arguments @{ scope = (Get-AzRsScopeArgument $PSBoundParameters) } -Cmdlet $PSCmdlet
    Add-AzRsTypeName $result $script:AzRsTypeAutosave
    $result
}
