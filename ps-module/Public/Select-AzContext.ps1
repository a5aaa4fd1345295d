function Select-AzContext {
    <#
    .SYNOPSIS
        Makes a saved context the current one (by name, or from the pipeline).
    #>
    [CmdletBinding(DefaultParameterSetName = 'SelectByInputObject', SupportsShouldProcess)]
    [OutputType('Microsoft.Azure.Commands.Profile.Models.Core.PSAzureContext')]
    param(
        [Parameter(ParameterSetName = 'SelectByInputObject', Mandatory, ValueFromPipeline)]
        [System.Management.Automation.PSTypeNameAttribute('Microsoft.Azure.Commands.Profile.Models.Core.PSAzureContext')]
        [psobject]$InputObject,

        [Parameter(ParameterSetName = 'SelectByName', Mandatory, Position = 0)]
        [ArgumentCompleter({ & (Get-Module AzRs) { Import-AzRsChunk 'Completion'; Complete-AzRsName 'Context' @args } @args })]
        [string]$Name,

        [ValidateSet('Process', 'CurrentUser')]
        [string]$Scope,

        [Alias('AzContext', 'AzureRmContext', 'AzureCredential')]
        [psobject]$DefaultProfile
    )
    process {
        $target = $Name
        if ($PSCmdlet.ParameterSetName -eq 'SelectByInputObject') { $target = [string]$InputObject.Name }
        if ($PSCmdlet.ShouldProcess($target, 'Select context')) {
            $arguments = @{ name = $target; scope = (Get-AzRsScopeArgument $PSBoundParameters) }
            ConvertTo-AzRsContextObject (Invoke-AzRsNative -Op 'context.select' -Arguments $arguments -Cmdlet $PSCmdlet -WriteError)
        }
    }
}
