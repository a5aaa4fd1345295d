function Remove-AzContext {
    <#
    .SYNOPSIS
        Removes a saved context. Removing the current (default) context asks first unless -Force.
    #>
    [CmdletBinding(DefaultParameterSetName = 'RemoveByInputObject', SupportsShouldProcess)]
    [OutputType('Microsoft.Azure.Commands.Profile.Models.Core.PSAzureContext')]
    param(
        [Parameter(ParameterSetName = 'RemoveByInputObject', Mandatory, ValueFromPipeline)]
        [System.Management.Automation.PSTypeNameAttribute('Microsoft.Azure.Commands.Profile.Models.Core.PSAzureContext')]
        [psobject]$InputObject,

        [Parameter(ParameterSetName = 'RemoveByName', Mandatory, Position = 0)]
        [ArgumentCompleter({ & (Get-Module AzRs) { Import-AzRsChunk 'Completion'; Complete-AzRsName 'Context' @args } @args })]
        [string]$Name,

        [switch]$Force,

        [switch]$PassThru,

        [ValidateSet('Process', 'CurrentUser')]
        [string]$Scope,

        [Alias('AzContext', 'AzureRmContext', 'AzureCredential')]
        [psobject]$DefaultProfile
    )
    process {
        $target = $Name
        if ($PSCmdlet.ParameterSetName -eq 'RemoveByInputObject') { $target = [string]$InputObject.Name }
        if (-not $PSCmdlet.ShouldProcess($target, 'Remove context')) { return }
        if (-not $Force) {
            $current = Invoke-AzRsNative -Op 'context.get' -Arguments @{} -Cmdlet $PSCmdlet
            if ($null -ne $current -and $null -ne $current.default -and ([string]$current.default).ToLowerInvariant() -eq $target.ToLowerInvariant()) {
                # Az.Accounts' wording, two spaces included.
                if (-not $PSCmdlet.ShouldContinue("'$target' is the default context used for communicating with Azure.  Are you sure you want to remove the default context?", 'Remove context')) { return }
            }
        }
        $arguments = @{ name = $target; scope = (Get-AzRsScopeArgument $PSBoundParameters) }
        $result = Invoke-AzRsNative -Op 'context.remove' -Arguments $arguments -Cmdlet $PSCmdlet -WriteError
        if ($PassThru -and $null -ne $result) { ConvertTo-AzRsContextObject $result }
    }
}
