function Rename-AzContext {
    <#
    .SYNOPSIS
        Renames a saved context. If the new name is taken, asks before replacing it (-Force does not ask).
    #>
    [CmdletBinding(DefaultParameterSetName = 'RenameByInputObject', SupportsShouldProcess)]
    [OutputType('Microsoft.Azure.Commands.Profile.Models.Core.PSAzureContext')]
    param(
        [Parameter(ParameterSetName = 'RenameByInputObject', Mandatory, ValueFromPipeline)]
        [System.Management.Automation.PSTypeNameAttribute('Microsoft.Azure.Commands.Profile.Models.Core.PSAzureContext')]
        [psobject]$InputObject,

        [Parameter(ParameterSetName = 'RenameByName', Mandatory, Position = 0)]
        [ArgumentCompleter({ & (Get-Module AzRs) { Import-AzRsChunk 'Completion'; Complete-AzRsName 'Context' @args } @args })]
        [string]$SourceName,

        [Parameter(Mandatory, Position = 1)]
        [string]$TargetName,

        [switch]$Force,

        [switch]$PassThru,

        [ValidateSet('Process', 'CurrentUser')]
        [string]$Scope,

        [Alias('AzContext', 'AzureRmContext', 'AzureCredential')]
        [psobject]$DefaultProfile
    )
    process {
        $source = $SourceName
        if ($PSCmdlet.ParameterSetName -eq 'RenameByInputObject') { $source = [string]$InputObject.Name }
        if (-not $PSCmdlet.ShouldProcess($source, "Rename context to '$TargetName'")) { return }
        $force = [bool]$Force
        if (-not $force -and ($source -ne $TargetName)) {
            $names = @(Invoke-AzRsNative -Op 'context.names' -Cmdlet $PSCmdlet)
            $taken = @($names | Where-Object { $_ -eq $TargetName -and $_ -ne $source }).Count -gt 0
            if ($taken) {
                if (-not $PSCmdlet.ShouldContinue("A context named '$TargetName' already exists. Replace it with '$source'?", 'Rename context')) { return }
                $force = $true
            }
        }
        $arguments = @{ name = $source; target = $TargetName; force = $force; scope = (Get-AzRsScopeArgument $PSBoundParameters) }
        $result = Invoke-AzRsNative -Op 'context.rename' -Arguments $arguments -Cmdlet $PSCmdlet -WriteError
        if ($PassThru -and $null -ne $result) { ConvertTo-AzRsContextObject $result }
    }
}
