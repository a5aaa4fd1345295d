function Disconnect-AzAccount {
    <#
    .SYNOPSIS
        Signs an account out: removes its contexts, its cached tokens and its stored secrets.
    #>
    [Alias('Logout-AzAccount')]
    [CmdletBinding(DefaultParameterSetName = 'ContextName', SupportsShouldProcess = $true)]
    [OutputType('Microsoft.Azure.Commands.Profile.Models.PSAzureRmAccount')]
    param(
        [Parameter(ParameterSetName = 'ContextName')][string]$ContextName,
        [Parameter(ParameterSetName = 'UserId', Mandatory = $true, Position = 0)]
        [Alias('Id', 'UserId')][string]$Username,
        [Parameter(ParameterSetName = 'ServicePrincipal', Mandatory = $true)]
        [Alias('SPN', 'ServicePrincipal')][string]$ApplicationId,
        [Parameter(ParameterSetName = 'ServicePrincipal', Mandatory = $true)][string]$TenantId,
        [Parameter(ParameterSetName = 'AccountObject', Mandatory = $true, Position = 0, ValueFromPipeline = $true)]
        [psobject]$InputObject,
        [Parameter(ParameterSetName = 'ContextObject', Mandatory = $true, Position = 0, ValueFromPipeline = $true)]
        [psobject]$AzureContext,
        [ValidateSet('Process', 'CurrentUser')][string]$Scope
    )
    process {
        $arguments = @{}
        switch ($PSCmdlet.ParameterSetName) {
            'ContextName' { if ($ContextName) { $arguments.contextName = $ContextName } }
            'UserId' { $arguments.username = $Username }
            'ServicePrincipal' { $arguments.applicationId = $ApplicationId; $arguments.tenantId = $TenantId }
            'AccountObject' { $arguments.username = [string]$InputObject.Id }
            'ContextObject' { $arguments.username = [string]$AzureContext.Account.Id }
        }
        if ($Scope) { $arguments.scope = $Scope }
        $what = 'the current account'
        if ($arguments.username) { $what = $arguments.username } elseif ($arguments.applicationId) { $what = $arguments.applicationId } elseif ($ContextName) { $what = $ContextName }
        if (-not $PSCmdlet.ShouldProcess($what, 'Sign out and remove contexts, tokens and stored secrets')) { return }
        $account = Invoke-AzRsNative -Op 'auth.disconnect' -Arguments $arguments -Cmdlet $PSCmdlet
        if ($null -ne $account) {
            Add-AzRsTypeName $account $script:AzRsTypeAccount
            $script:AzRsStringForms.Methods.GetValue($account).Add([psscriptmethod]::new('ToString', $script:AzRsStringForms.Id))
            $account
        }
    }
}
