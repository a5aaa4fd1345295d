function Get-AzEnvironment {
    <#
    .SYNOPSIS
        Gets the Azure environments (clouds): AzureCloud, AzureChinaCloud, AzureUSGovernment, and
        the ones you added.
    #>
    [CmdletBinding()]
    [OutputType('Microsoft.Azure.Commands.Profile.Models.PSAzureEnvironment')]
    param(
        [Parameter(Position = 0, ValueFromPipelineByPropertyName)]
        [ArgumentCompleter({ & (Get-Module AzRs) { Import-AzRsChunk 'Completion'; Complete-AzRsName 'Environment' @args } @args })]
        [string]$Name,

        [Alias('AzContext', 'AzureRmContext', 'AzureCredential')]
        [psobject]$DefaultProfile
    )
    process {
        $arguments = @{}
        if ($Name) { $arguments.name = $Name }
        foreach ($e in @(Invoke-AzRsNative -Op 'environment.get' -Arguments $arguments -Cmdlet $PSCmdlet)) {
            ConvertTo-AzRsEnvironmentObject $e
        }
    }
}
