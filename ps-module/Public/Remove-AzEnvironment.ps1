function Remove-AzEnvironment {
    <#
    .SYNOPSIS
        Removes a user-defined Azure environment (the built-in clouds cannot be removed).
    #>
    [CmdletBinding(SupportsShouldProcess)]
    [OutputType('Microsoft.Azure.Commands.Profile.Models.PSAzureEnvironment')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
        [ArgumentCompleter({ & (Get-Module AzRs) { Import-AzRsChunk 'Completion'; Complete-AzRsName 'Environment' @args } @args })]
        [string]$Name,

        [ValidateSet('Process', 'CurrentUser')]
        [string]$Scope,

        [Alias('AzContext', 'AzureRmContext', 'AzureCredential')]
        [psobject]$DefaultProfile
    )
    process {
        if (-not $PSCmdlet.ShouldProcess($Name, 'Removing environment')) { return }
        $result = Invoke-AzRsNative -Op 'environment.remove' -Arguments @{ name = $Name; scope = (Get-AzRsScopeArgument $PSBoundParameters) } -Cmdlet $PSCmdlet -WriteError
        if ($null -ne $result) { ConvertTo-AzRsEnvironmentObject $result }
    }
}
