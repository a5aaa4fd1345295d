function Import-AzContext {
    <#
    .SYNOPSIS
        Loads contexts from a file saved by Save-AzContext (AzRs or Az.Accounts); they replace this
        session's contexts (and the user's, with the default CurrentUser scope).
    #>
    [Alias('Import-AzureRmContext', 'Select-AzProfile')]
    [CmdletBinding(DefaultParameterSetName = 'ProfileFromDisk', SupportsShouldProcess)]
    [OutputType('Microsoft.Azure.Commands.Profile.Models.Core.PSAzureProfile')]
    param(
        [Parameter(ParameterSetName = 'ProfileFromDisk', Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
        [string]$Path,

        [Parameter(ParameterSetName = 'InMemoryProfile', Mandatory, Position = 0, ValueFromPipelineByPropertyName)]
        [Alias('Profile')]
        [psobject]$AzureContext,

        [ValidateSet('Process', 'CurrentUser')]
        [string]$Scope,

        [Alias('AzContext', 'AzureRmContext', 'AzureCredential')]
        [psobject]$DefaultProfile
    )
    process {
        $scopeArg = Get-AzRsScopeArgument $PSBoundParameters
        if ($PSCmdlet.ParameterSetName -eq 'InMemoryProfile') {
            # A PSAzureProfile from this session: make its context current.
            $ctx = $AzureContext
            if ($null -ne $AzureContext.Context) { $ctx = $AzureContext.Context }
            if (-not $PSCmdlet.ShouldProcess([string]$ctx.Name, 'Import context')) { return }
            $null = Invoke-AzRsNative -Op 'context.set' -Arguments @{ source = (Get-AzRsContextReference $ctx); scope = $scopeArg } -Cmdlet $PSCmdlet
            ConvertTo-AzRsProfileObject (Invoke-AzRsNative -Op 'context.get' -Arguments @{} -Cmdlet $PSCmdlet)
            return
        }
        $full = Resolve-AzRsPath -Path $Path -Cmdlet $PSCmdlet
        if (-not $PSCmdlet.ShouldProcess($full, 'Import contexts')) { return }
        $result = Invoke-AzRsNative -Op 'context.import' -Arguments @{ path = $full; scope = $scopeArg } -Cmdlet $PSCmdlet
        ConvertTo-AzRsProfileObject $result
    }
}
