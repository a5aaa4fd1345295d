function Connect-AzAccount {
    <#
    .SYNOPSIS
        Signs in to Azure (interactive browser, device code, service principal, certificate,
        federated token, access token, managed identity, username/password), like Az.Accounts.
    .DESCRIPTION
        Gets a token, discovers tenants and subscriptions in parallel, chooses the default
        subscription (or lets you pick one), writes the contexts and returns a PSAzureProfile.
        Progress messages, the device code and warnings arrive while it runs; Ctrl+C stops it.
    #>
    [Alias('Login-AzAccount', 'Login-AzureRmAccount', 'Add-AzAccount')]
    [CmdletBinding(DefaultParameterSetName = 'UserWithSubscriptionId', SupportsShouldProcess = $true)]
    [OutputType('Microsoft.Azure.Commands.Profile.Models.Core.PSAzureProfile')]
    param(
        [ArgumentCompleter({ & (Get-Module AzRs) { Import-AzRsChunk 'Completion'; Complete-AzRsName 'Environment' @args } @args })]
        [Alias('EnvironmentName')][string]$Environment,
        [Parameter(ParameterSetName = 'UserWithSubscriptionId')]
        [Parameter(ParameterSetName = 'UserWithCredential')]
        [Parameter(ParameterSetName = 'AccessTokenWithSubscriptionId')]
        [Parameter(ParameterSetName = 'ManagedServiceLogin')]
        [Parameter(ParameterSetName = 'ServicePrincipalWithSubscriptionId', Mandatory = $true)]
        [Parameter(ParameterSetName = 'ServicePrincipalCertificateWithSubscriptionId', Mandatory = $true)]
        [Parameter(ParameterSetName = 'ClientAssertionParameterSet', Mandatory = $true)]
        [Parameter(ParameterSetName = 'ServicePrincipalCertificateFileWithSubscriptionId', Mandatory = $true)]
        [Alias('Domain', 'TenantId')][string]$Tenant,
        [Parameter(ParameterSetName = 'UserWithSubscriptionId')]
        [Parameter(ParameterSetName = 'ManagedServiceLogin')]
        [Parameter(ParameterSetName = 'AccessTokenWithSubscriptionId', Mandatory = $true)]
        [string]$AccountId,
        [Parameter(ValueFromPipeline = $true)]
        [Alias('SubscriptionName', 'SubscriptionId')][string]$Subscription,
        [Parameter(ParameterSetName = 'ServicePrincipalWithSubscriptionId', Mandatory = $true)]
        [Parameter(ParameterSetName = 'UserWithCredential', Mandatory = $true)]
        [pscredential]$Credential,
        [Parameter(ParameterSetName = 'ServicePrincipalWithSubscriptionId', Mandatory = $true)]
        [Parameter(ParameterSetName = 'ServicePrincipalCertificateWithSubscriptionId')]
        [Parameter(ParameterSetName = 'ClientAssertionParameterSet')]
        [Parameter(ParameterSetName = 'ServicePrincipalCertificateFileWithSubscriptionId')]
        [switch]$ServicePrincipal,
        [Parameter(ParameterSetName = 'ServicePrincipalCertificateWithSubscriptionId', Mandatory = $true)]
        [Parameter(ParameterSetName = 'ClientAssertionParameterSet', Mandatory = $true)]
        [Parameter(ParameterSetName = 'ServicePrincipalCertificateFileWithSubscriptionId', Mandatory = $true)]
        [string]$ApplicationId,
        [Parameter(ParameterSetName = 'ServicePrincipalCertificateWithSubscriptionId', Mandatory = $true)]
        [string]$CertificateThumbprint,
        [Parameter(ParameterSetName = 'ServicePrincipalCertificateFileWithSubscriptionId', Mandatory = $true)]
        [string]$CertificatePath,
        [Parameter(ParameterSetName = 'ServicePrincipalCertificateFileWithSubscriptionId')]
        [securestring]$CertificatePassword,
        [Parameter(ParameterSetName = 'ServicePrincipalCertificateWithSubscriptionId')]
        [Parameter(ParameterSetName = 'ServicePrincipalCertificateFileWithSubscriptionId')]
        [switch]$SendCertificateChain,
        [Parameter(ParameterSetName = 'ClientAssertionParameterSet', Mandatory = $true)]
        [Alias('ClientAssertion')][string]$FederatedToken,
        [Parameter(ParameterSetName = 'AccessTokenWithSubscriptionId', Mandatory = $true)]
        [string]$AccessToken,
        [Parameter(ParameterSetName = 'AccessTokenWithSubscriptionId')][string]$GraphAccessToken,
        [Parameter(ParameterSetName = 'AccessTokenWithSubscriptionId')][string]$MicrosoftGraphAccessToken,
        [Parameter(ParameterSetName = 'AccessTokenWithSubscriptionId')][string]$KeyVaultAccessToken,
        [Parameter(ParameterSetName = 'AccessTokenWithSubscriptionId')][switch]$SkipValidation,
        [Parameter(ParameterSetName = 'ManagedServiceLogin', Mandatory = $true)]
        [Alias('MSI', 'ManagedService')][switch]$Identity,
        [Parameter(ParameterSetName = 'UserWithSubscriptionId')]
        [Alias('DeviceCode', 'DeviceAuth', 'Device')][switch]$UseDeviceAuthentication,
        [Parameter(ParameterSetName = 'UserWithSubscriptionId')][string]$ClaimsChallenge,
        [Parameter(ParameterSetName = 'UserWithSubscriptionId')]
        [Parameter(ParameterSetName = 'ServicePrincipalWithSubscriptionId')]
        [Parameter(ParameterSetName = 'UserWithCredential')]
        [Parameter(ParameterSetName = 'ServicePrincipalCertificateWithSubscriptionId')]
        [Parameter(ParameterSetName = 'ManagedServiceLogin')]
        [Alias('AuthScopeTypeName')][string]$AuthScope,
        [string]$ContextName,
        [switch]$SkipContextPopulation,
        [ValidateRange(-1, [int]::MaxValue)][int]$MaxContextPopulation = 25,
        [switch]$Force,
        [ValidateSet('Process', 'CurrentUser')][string]$Scope
    )
    begin {
        if ($UseDeviceAuthentication -and ($InformationPreference -eq 'Ignore' -or $PSBoundParameters['InformationAction'] -eq 'Ignore')) {
            $ex = [System.ArgumentException]::new('Please do not set InformationAction or $InformationPreference to Ignore if you want to use device code authentication.')
            $PSCmdlet.ThrowTerminatingError([System.Management.Automation.ErrorRecord]::new($ex, 'InformationIgnored', 'InvalidArgument', $null))
        }
    }
    process {
        $method = switch ($PSCmdlet.ParameterSetName) {
            'ServicePrincipalWithSubscriptionId' { 'servicePrincipalSecret' }
            'UserWithCredential' { 'userPassword' }
            'ServicePrincipalCertificateWithSubscriptionId' { 'certificateThumbprint' }
            'ServicePrincipalCertificateFileWithSubscriptionId' { 'certificateFile' }
            'ClientAssertionParameterSet' { 'federated' }
            'AccessTokenWithSubscriptionId' { 'accessToken' }
            'ManagedServiceLogin' { 'managedIdentity' }
            default { if ($UseDeviceAuthentication) { 'deviceCode' } else { 'browser' } }
        }
        $target = $method
        if ($Tenant) { $target = "$method, tenant $Tenant" }
        if (-not $PSCmdlet.ShouldProcess($target, 'Connect-AzAccount')) { return }

        # Az's overwrite check: a -ContextName that exists is replaced only with -Force or a yes.
        # With no one to ask (-NonInteractive), a clear error instead of the host's prompt failure.
        if ($ContextName -and -not $Force -and @(Invoke-AzRsNative -Op 'context.names' -Cmdlet $PSCmdlet) -contains $ContextName) {
            if ($script:AzRsInteractive -eq 'false') {
                $ex = [System.InvalidOperationException]::new("A context named '$ContextName' already exists. Use -Force to replace it, or choose another -ContextName.")
                $PSCmdlet.ThrowTerminatingError([System.Management.Automation.ErrorRecord]::new($ex, 'ContextNameExists', 'ResourceExists', $ContextName))
            }
            if (-not $PSCmdlet.ShouldContinue("Are you sure you want to replace existing context '$ContextName'?", "Overwrite existing context '$ContextName'")) { return }
        }

        # The engine's argument names are the parameter names in camelCase, and the bound-parameter
        # dictionary ignores case, so the names serve as both. Index syntax throughout: every
        # $arguments[...] = shares one compiled rule, while each .name = compiles its own on a
        # first sign-in.
        $arguments = @{ method = $method }
        $bound = $PSBoundParameters
        if ($bound.ContainsKey('maxContextPopulation')) { $arguments['maxContextPopulation'] = $MaxContextPopulation }  # else the engine's 25, Az's default
        foreach ($name in 'environment', 'tenant', 'subscription', 'accountId', 'applicationId', 'certificateThumbprint',
            'federatedToken', 'accessToken', 'graphAccessToken', 'microsoftGraphAccessToken', 'keyVaultAccessToken', 'authScope', 'contextName', 'scope', 'claimsChallenge') {
            if ($bound.ContainsKey($name)) { $arguments[$name] = [string]$bound[$name] }
        }
        if ($CertificatePath) { $arguments['certificatePath'] = $PSCmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath($CertificatePath) }
        if ($null -ne $CertificatePassword) { $arguments['certificatePassword'] = [System.Net.NetworkCredential]::new('', $CertificatePassword).Password }
        if ($null -ne $Credential) {  # not if ($Credential): a PSCredential's truth value is one more rule to compile
            $secret = [System.Net.NetworkCredential]::new('', $Credential.Password).Password
            if ($method -eq 'servicePrincipalSecret') { $arguments['applicationId'] = $Credential.UserName; $arguments['secret'] = $secret }
            else { $arguments['username'] = $Credential.UserName; $arguments['password'] = $secret }
        }
        if ($SendCertificateChain) { $arguments['sendCertificateChain'] = $true }
        if ($SkipValidation) { $arguments['skipValidation'] = $true }
        if ($SkipContextPopulation) { $arguments['skipContextPopulation'] = $true }
        if ($Force) { $arguments['force'] = $true }
        $arguments['interactive'] = ($script:AzRsInteractive -ne 'false')

        # Invoked from the operation loop inside this module, so module functions resolve.
        $onPrompt = { param($request) Invoke-AzRsLazy 'SignIn' 'Invoke-AzRsSignInPrompt' @{ Request = $request; HostObject = $Host } }
        $result = Invoke-AzRsOperation -Op 'auth.connect' -Arguments $arguments -Cmdlet $PSCmdlet -OnPrompt $onPrompt
        if ($null -eq $result) { return }
        ConvertTo-AzRsProfileObject $result
    }
}
