# Sign-in methods end to end: the built module against azrs-emulator over real HTTPS.

BeforeAll {
    . (Join-Path $PSScriptRoot 'SignIn.Helpers.ps1')
    $script:TestHome = New-TestHome
    Import-Module (Join-Path $PSScriptRoot '../AzRs.psd1') -Force
    $script:Emu = Start-TestEmulator
    Register-TestEnvironment $script:Emu
    $script:TenantA = '00000000-0000-0000-0000-0000000000a1'
    $script:TenantB = '00000000-0000-0000-0000-0000000000a2'
    $script:AppId = '00000000-0000-0000-0000-0000000000c1'
    $script:Secret = 'Emu.Secret-c1~not-a-real-secret'
    $script:SeedDir = Join-Path $PSScriptRoot '../emulator/seed'
    $script:SpCredential = [pscredential]::new($script:AppId, (ConvertTo-SecureString $script:Secret -AsPlainText -Force))
    function Connect-TestSp { param([hashtable]$Extra = @{}) Connect-AzAccount -ServicePrincipal -Credential $script:SpCredential -Tenant $script:TenantA -Environment AzRsEmulator @Extra -WarningAction SilentlyContinue }
    function ConvertFrom-TestSecure { param($s) [System.Net.NetworkCredential]::new('', $s).Password }
}

AfterAll {
    Stop-TestEmulator $script:Emu
    foreach ($n in 'AZURE_POD_IDENTITY_AUTHORITY_HOST', 'IDENTITY_ENDPOINT', 'IDENTITY_HEADER', 'MSI_ENDPOINT', 'IMDS_ENDPOINT', 'AZURE_FEDERATED_TOKEN_FILE', 'BROWSER', 'HTTPS_PROXY', 'NO_PROXY') {
        [Environment]::SetEnvironmentVariable($n, $null)
    }
}

Describe 'Service principal with a secret' {
    It 'signs in, sets the default context and returns a PSAzureProfile' {
        $p = Connect-TestSp
        $p.PSObject.TypeNames[0] | Should -Be 'Microsoft.Azure.Commands.Profile.Models.Core.PSAzureProfile'
        $p.Context.Account.Id | Should -Be $script:AppId
        $p.Context.Account.Type | Should -Be 'ServicePrincipal'
        $p.Context.Tenant.Id | Should -Be $script:TenantA
        $p.Context.Subscription.Id | Should -Be '00000000-0000-0000-0000-0000000000f1'
        $p.Context.Environment.Name | Should -Be 'AzRsEmulator'
        ($p | Format-Table | Out-String) | Should -Match 'Subscription name\s+Tenant'
    }
    It 'replaces a context named with -ContextName only with -Force (no prompt in a non-interactive session)' {
        $null = Connect-TestSp @{ ContextName = 'ci-context'; Scope = 'Process' }
        $err = $null
        try { $null = Connect-TestSp @{ ContextName = 'ci-context'; Scope = 'Process' } } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'ContextNameExists,Connect-AzAccount'
        $err.CategoryInfo.Category | Should -Be 'ResourceExists'
        $err.Exception.Message | Should -Match '-Force'
        (Connect-TestSp @{ ContextName = 'ci-context'; Scope = 'Process'; Force = $true }).Context.Name | Should -Be 'ci-context'
        @(Get-AzContext -ListAvailable | Where-Object Name -EQ 'ci-context').Count | Should -Be 1
    }
    It 'lists the contexts a sign-in added, even when the list was read before it' {
        $null = Clear-AzContext -Scope Process -Force
        @(Get-AzContext -ListAvailable).Count | Should -Be 0
        $p = Connect-TestSp @{ Scope = 'Process' }
        @(Get-AzContext -ListAvailable).Name | Should -Contain $p.Context.Name
    }
    It 'accepts the tenant as a domain (OpenID metadata)' {
        $p = Connect-AzAccount -ServicePrincipal -Credential $script:SpCredential -Tenant 'contoso.onmicrosoft.com' -Environment AzRsEmulator -WarningAction SilentlyContinue
        $p.Context.Tenant.Id | Should -Be $script:TenantA
    }
    It 'selects -Subscription by name and warns about a Warned subscription' {
        $p = Connect-AzAccount -ServicePrincipal -Credential $script:SpCredential -Tenant $script:TenantA -Environment AzRsEmulator -Subscription 'Contoso Development' -WarningVariable w -WarningAction SilentlyContinue
        $p.Context.Subscription.Id | Should -Be '00000000-0000-0000-0000-0000000000f2'
        ($w -join "`n") | Should -Match "Selected subscription is in 'Warned' state"
    }
    It 'fails clearly for an unknown -Subscription' {
        { Connect-TestSp @{ Subscription = 'No Such Subscription' } } | Should -Throw -ErrorId 'SubscriptionNotFound,Connect-AzAccount'
    }
    It 'fails with the Entra error for a wrong secret' {
        $bad = [pscredential]::new($script:AppId, (ConvertTo-SecureString 'wrong' -AsPlainText -Force))
        { Connect-AzAccount -ServicePrincipal -Credential $bad -Tenant $script:TenantA -Environment AzRsEmulator } | Should -Throw -ErrorId 'InvalidClientCredential,Connect-AzAccount'
    }
}

Describe 'Get-AzAccessToken, Get-AzSubscription, Get-AzTenant' {
    BeforeAll { $null = Connect-TestSp }
    It 'returns the Az 5.x shape with a SecureString token' {
        $t = Get-AzAccessToken
        $t.Token | Should -BeOfType [securestring]
        $t.Type | Should -Be 'Bearer'
        $t.TenantId | Should -Be $script:TenantA
        $t.UserId | Should -Be $script:AppId
        $t.ExpiresOn | Should -BeOfType [DateTimeOffset]
        $t.ExpiresOn | Should -BeGreaterThan ([DateTimeOffset]::UtcNow.AddMinutes(5))
        (ConvertFrom-TestSecure $t.Token).Split('.').Count | Should -Be 3
    }
    It 'serves a warm token from the cache without a request' {
        $null = Get-AzAccessToken
        $before = (Invoke-EmulatorAdmin $script:Emu 'stats' -Method Get).requests.token
        1..5 | ForEach-Object { $null = Get-AzAccessToken }
        (Invoke-EmulatorAdmin $script:Emu 'stats' -Method Get).requests.token | Should -Be $before
    }
    It 'gets tokens for other resources (-ResourceUrl, -ResourceTypeName)' {
        $t = Get-AzAccessToken -ResourceUrl 'https://vault.azure.net'
        (ConvertFrom-TestSecure $t.Token) | Should -Not -BeNullOrEmpty
    }
    It 'lists Enabled and Warned subscriptions' {
        $subs = Get-AzSubscription
        $subs.Id | Should -Contain '00000000-0000-0000-0000-0000000000f1'
        $subs.Id | Should -Contain '00000000-0000-0000-0000-0000000000f2'          # Warned counts
        $subs.Id | Should -Not -Contain '00000000-0000-0000-0000-0000000000f3'      # Disabled does not
        $subs[0].PSObject.TypeNames[0] | Should -Be 'Microsoft.Azure.Commands.Profile.Models.PSAzureSubscription'
        (Get-AzSubscription -SubscriptionName 'Contoso Production').Id | Should -Be '00000000-0000-0000-0000-0000000000f1'
        { Get-AzSubscription -SubscriptionId '00000000-0000-0000-0000-00000000ffff' } | Should -Throw -ErrorId 'SubscriptionNotFound,Get-AzSubscription'
    }
    It 'lists tenants' {
        $t = @(Get-AzTenant)
        $t.Id | Should -Contain $script:TenantA
        ($t | Where-Object Id -eq $script:TenantA).Name | Should -Be 'Contoso'
    }
}

Describe 'Service principal with a certificate' {
    It 'signs in with a PEM file (certificate + key)' {
        $p = Connect-AzAccount -ServicePrincipal -ApplicationId $script:AppId -CertificatePath (Join-Path $script:SeedDir 'sp-cert-and-key.pem') -Tenant $script:TenantA -Environment AzRsEmulator -WarningAction SilentlyContinue
        $p.Context.Account.Id | Should -Be $script:AppId
        (Get-AzAccessToken).UserId | Should -Be $script:AppId
    }
    It 'sends the chain with -SendCertificateChain' {
        $p = Connect-AzAccount -ServicePrincipal -ApplicationId $script:AppId -CertificatePath (Join-Path $script:SeedDir 'sp-cert-and-key.pem') -SendCertificateChain -Tenant $script:TenantA -Environment AzRsEmulator -WarningAction SilentlyContinue
        $p.Context.Account.ExtendedProperties.SendCertificateChain | Should -Be 'True'
    }
    It 'signs in with a PFX file through .NET' {
        $pfx = Join-Path $script:SeedDir 'sp-cert.pfx'
        # The seed's PFX has an empty password.
        $p = Connect-AzAccount -ServicePrincipal -ApplicationId $script:AppId -CertificatePath $pfx -Tenant $script:TenantA -Environment AzRsEmulator -WarningAction SilentlyContinue
        $p.Context.Account.ExtendedProperties.CertificatePath | Should -Be ([System.IO.Path]::GetFullPath($pfx))
        # A new token for another resource is signed through PowerShell again (the long-operation path).
        (Get-AzAccessToken -ResourceUrl 'https://vault.azure.net').UserId | Should -Be $script:AppId
    }
    It 'signs in by thumbprint from the CurrentUser\My store' {
        $pem = Get-Content (Join-Path $script:SeedDir 'sp-cert-and-key.pem') -Raw
        $cert = [System.Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPem($pem, $pem)
        # Round-trip through PFX so the key is persisted with the store entry.
        $cert = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($cert.Export('Pfx'), [string]$null, 'Exportable,PersistKeySet')
        $store = [System.Security.Cryptography.X509Certificates.X509Store]::new('My', 'CurrentUser')
        $store.Open('ReadWrite'); $store.Add($cert); $store.Close()
        try {
            $p = Connect-AzAccount -ServicePrincipal -ApplicationId $script:AppId -CertificateThumbprint $cert.Thumbprint -Tenant $script:TenantA -Environment AzRsEmulator -WarningAction SilentlyContinue
            $p.Context.Account.CertificateThumbprint | Should -Be $cert.Thumbprint
            (Get-AzAccessToken -ResourceUrl 'https://storage.azure.com/').UserId | Should -Be $script:AppId
        }
        finally { $store.Open('ReadWrite'); $store.Remove($cert); $store.Close() }
    }
}

Describe 'Federated token' {
    It 'signs in with -FederatedToken' {
        $t = (Invoke-EmulatorAdmin $script:Emu 'federated-token' @{ subject = 'repo:contoso/app:ref:refs/heads/main' }).token
        $p = Connect-AzAccount -ServicePrincipal -ApplicationId $script:AppId -FederatedToken $t -Tenant $script:TenantA -Environment AzRsEmulator -WarningAction SilentlyContinue
        $p.Context.Account.Type | Should -Be 'ClientAssertion'
    }
    It 're-reads AZURE_FEDERATED_TOKEN_FILE set with $env: when the token needs renewing' {
        $t = (Invoke-EmulatorAdmin $script:Emu 'federated-token' @{ subject = 'repo:contoso/app:ref:refs/heads/main' }).token
        $null = Connect-AzAccount -ServicePrincipal -ApplicationId $script:AppId -FederatedToken $t -Tenant $script:TenantA -Environment AzRsEmulator -WarningAction SilentlyContinue
        $file = Join-Path $script:TestHome 'federated.jwt'
        Set-Content -Path $file -Value (Invoke-EmulatorAdmin $script:Emu 'federated-token' @{ subject = 'repo:contoso/app:ref:refs/heads/main' }).token
        $env:AZURE_FEDERATED_TOKEN_FILE = $file
        try {
            (Get-AzAccessToken -ResourceUrl 'https://vault.azure.net').UserId | Should -Be $script:AppId
            Set-Content -Path $file -Value 'not-a-token'
            { Get-AzAccessToken -ResourceUrl 'https://federated-file-test.example/' } | Should -Throw
        }
        finally { $env:AZURE_FEDERATED_TOKEN_FILE = $null }
    }
}

Describe 'Access token' {
    It 'signs in with -AccessToken -AccountId and validates it against ARM' {
        $null = Connect-TestSp
        $at = ConvertFrom-TestSecure (Get-AzAccessToken).Token
        $p = Connect-AzAccount -AccessToken $at -AccountId 'someone@example.test' -Environment AzRsEmulator -WarningAction SilentlyContinue
        $p.Context.Account.Type | Should -Be 'AccessToken'
        $p.Context.Subscription.Id | Should -Be '00000000-0000-0000-0000-0000000000f1'
        (ConvertFrom-TestSecure (Get-AzAccessToken).Token) | Should -Be $at
    }
    It 'needs -Subscription and -Tenant with -SkipValidation' {
        { Connect-AzAccount -AccessToken 'x.y.z' -AccountId 'a' -SkipValidation -Environment AzRsEmulator } | Should -Throw -ErrorId 'SkipValidationNeedsIds,Connect-AzAccount'
        $p = Connect-AzAccount -AccessToken 'x.y.z' -AccountId 'a' -SkipValidation -Subscription '00000000-0000-0000-0000-0000000000f1' -Tenant $script:TenantA -Environment AzRsEmulator
        $p.Context.Subscription.Id | Should -Be '00000000-0000-0000-0000-0000000000f1'
    }
}

Describe 'Managed identity (sources chosen from $env: set in this session)' {
    AfterEach {
        foreach ($n in 'AZURE_POD_IDENTITY_AUTHORITY_HOST', 'IDENTITY_ENDPOINT', 'IDENTITY_HEADER', 'MSI_ENDPOINT', 'IMDS_ENDPOINT') { [Environment]::SetEnvironmentVariable($n, $null) }
        $null = Invoke-EmulatorAdmin $script:Emu 'faults' -Method Delete
    }
    It 'IMDS, system-assigned (AZURE_POD_IDENTITY_AUTHORITY_HOST)' {
        $env:AZURE_POD_IDENTITY_AUTHORITY_HOST = $script:Emu.imdsEndpoint
        $p = Connect-AzAccount -Identity -Environment AzRsEmulator -WarningAction SilentlyContinue
        $p.Context.Account.Id | Should -Be 'MSI@50342'
        $p.Context.Account.Type | Should -Be 'ManagedService'
        $p.Context.Tenant.Id | Should -Be $script:TenantA
        (Get-AzAccessToken).TenantId | Should -Be $script:TenantA
    }
    It 'IMDS, user-assigned by client id, object id and resource id' {
        $env:AZURE_POD_IDENTITY_AUTHORITY_HOST = $script:Emu.imdsEndpoint
        foreach ($id in '00000000-0000-0000-0000-0000000000e3', '/subscriptions/00000000-0000-0000-0000-0000000000f1/resourceGroups/emu/providers/Microsoft.ManagedIdentity/userAssignedIdentities/emu-uami') {
            $p = Connect-AzAccount -Identity -AccountId $id -Environment AzRsEmulator -WarningAction SilentlyContinue
            $p.Context.Account.Id | Should -Be $id
        }
    }
    It 'IMDS retries 503 and 429 with back-off' {
        $env:AZURE_POD_IDENTITY_AUTHORITY_HOST = $script:Emu.imdsEndpoint
        $null = Invoke-EmulatorAdmin $script:Emu 'faults' @{ group = 'imds'; failNext = 2; status = 503 }
        $p = Connect-AzAccount -Identity -Environment AzRsEmulator -WarningAction SilentlyContinue
        $p.Context.Account.Id | Should -Be 'MSI@50342'
    }
    It 'App Service (IDENTITY_ENDPOINT + IDENTITY_HEADER)' {
        $env:IDENTITY_ENDPOINT = $script:Emu.identityEndpoint
        $env:IDENTITY_HEADER = $script:Emu.identityHeader
        (Connect-AzAccount -Identity -Environment AzRsEmulator -WarningAction SilentlyContinue).Context.Tenant.Id | Should -Be $script:TenantA
    }
    It 'Cloud Shell (MSI_ENDPOINT)' {
        $env:MSI_ENDPOINT = $script:Emu.msiEndpoint
        (Connect-AzAccount -Identity -Environment AzRsEmulator -WarningAction SilentlyContinue).Context.Tenant.Id | Should -Be $script:TenantA
    }
    It 'Azure Arc (IDENTITY_ENDPOINT + IMDS_ENDPOINT, challenge file)' {
        $env:IDENTITY_ENDPOINT = $script:Emu.arcEndpoint
        $env:IMDS_ENDPOINT = $script:Emu.imdsEndpoint
        (Connect-AzAccount -Identity -Environment AzRsEmulator -WarningAction SilentlyContinue).Context.Tenant.Id | Should -Be $script:TenantA
    }
}

Describe 'User with username and password' {
    It 'signs in, warns as Az does, discovers both tenants, and does not prompt in -NonInteractive' {
        $cred = [pscredential]::new('alice@contoso.onmicrosoft.com', (ConvertTo-SecureString 'Pa55w.rd-alice' -AsPlainText -Force))
        $p = Connect-AzAccount -Credential $cred -Environment AzRsEmulator -WarningVariable w -WarningAction SilentlyContinue
        ($w -join "`n") | Should -Match 'strongly discouraged'
        $p.Context.Account.Type | Should -Be 'User'
        $p.Context.Account.Id | Should -Be 'alice@contoso.onmicrosoft.com'
        $p.Context.Account.Tenants | Should -Contain $script:TenantB
        $p.Context.Subscription.Id | Should -Be '00000000-0000-0000-0000-0000000000f1'
        (Get-AzAccessToken -TenantId $script:TenantB).TenantId | Should -Be $script:TenantB
        (Get-AzSubscription).Count | Should -Be 4
    }
    It 'gives the interactive-authentication guidance for an MFA account' {
        $cred = [pscredential]::new('mfa@contoso.onmicrosoft.com', (ConvertTo-SecureString 'Pa55w.rd-mfa' -AsPlainText -Force))
        $err = $null
        try { Connect-AzAccount -Credential $cred -Environment AzRsEmulator -WarningAction SilentlyContinue } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'InteractionRequired,Connect-AzAccount'
        $err.Exception.Message | Should -Match 'Interactive authentication is needed'
    }
}
