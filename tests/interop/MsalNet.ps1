<#
.SYNOPSIS
    Drives MSAL.NET 4.92 + Microsoft.Identity.Client.Extensions.Msal (../shared/peers/msal-net) the
    way Az.Accounts does, for the token cache interop tests. Runs in its own pwsh (the MSAL
    assemblies stay out of the test process). Prints one JSON object.
.DESCRIPTION
    The cache helper is built exactly as Az.Accounts' MsalCacheHelperProvider.GetCacheHelper:
    StorageCreationPropertiesBuilder(<name>, LocalApplicationData/.IdentityService)
      .WithMacKeyChain("Microsoft.Developer.IdentityService", <name>)
      .WithLinuxKeyring("msal.cache", "default", <name>, MsalClientID=Microsoft.Developer.IdentityService,
                        Microsoft.Developer.IdentityService=1.0.0.0)
    then VerifyPersistence(); on MsalCachePersistenceException, .WithLinuxUnprotectedFile().
    Modes:
      Write    - sign in alice with username/password against the in-memory IdP; MSAL.NET writes the cache.
      Read     - GetAccountsAsync + AcquireTokenSilent (no token endpoint calls allowed).
      HoldLock - hold MSAL's CrossPlatLock on the cache for -Seconds.
#>
param(
    [Parameter(Mandatory)][ValidateSet('Write', 'Read', 'HoldLock')][string]$Mode,
    [string]$AccessToken = 'NET-AT',
    [string]$RefreshToken = 'NET-RT',
    [string]$CacheName = 'msal.cache.cae',
    [double]$Seconds = 2
)
$ErrorActionPreference = 'Stop'
$peers = if ($env:AZRS_MSAL_NET_DIR) { $env:AZRS_MSAL_NET_DIR } else { Join-Path $PSScriptRoot '../../../shared/peers/msal-net' }
if (-not (Test-Path (Join-Path $peers 'Microsoft.Identity.Client.dll'))) { $peers = Join-Path $PSScriptRoot '../../../../shared/peers/msal-net' }
Get-ChildItem $peers -Filter *.dll | ForEach-Object { $null = [Reflection.Assembly]::LoadFrom($_.FullName) }

$clientId = '1950a258-227b-4e31-a9cf-717495945fc2'
$arm = 'https://management.core.windows.net//.default'
$dir = Join-Path ([Environment]::GetFolderPath([Environment+SpecialFolder]::LocalApplicationData, [Environment+SpecialFolderOption]::DoNotVerify)) '.IdentityService'

if ($Mode -eq 'HoldLock') {
    $lock = [Microsoft.Identity.Client.Extensions.Msal.CrossPlatLock]::new((Join-Path $dir "$CacheName.lockfile"))
    [Console]::Out.WriteLine('{"locked":true}')
    [Console]::Out.Flush()
    Start-Sleep -Milliseconds ([int]($Seconds * 1000))
    $lock.Dispose()
    return
}

$refs = @((Join-Path $peers 'Microsoft.Identity.Client.dll'), 'System.Net.Http', 'System.Net.Primitives', 'System.Runtime', 'netstandard')
Add-Type -Path (Join-Path $PSScriptRoot 'FakeIdp.cs') -ReferencedAssemblies $refs -IgnoreWarnings -WarningAction SilentlyContinue

function New-AzStorageProperties([switch]$Unprotected) {
    $b = [Microsoft.Identity.Client.Extensions.Msal.StorageCreationPropertiesBuilder]::new($CacheName, $dir)
    $b = $b.WithMacKeyChain('Microsoft.Developer.IdentityService', $CacheName)
    if ($Unprotected) { return $b.WithLinuxUnprotectedFile().Build() }
    $schema = $CacheName.Replace('.cae', '').Replace('.nocae', '')
    $b.WithLinuxKeyring($schema, 'default', $CacheName,
        [Collections.Generic.KeyValuePair[string, string]]::new('MsalClientID', 'Microsoft.Developer.IdentityService'),
        [Collections.Generic.KeyValuePair[string, string]]::new('Microsoft.Developer.IdentityService', '1.0.0.0')).Build()
}

$persistence = 'Keyring'
try {
    $helper = [Microsoft.Identity.Client.Extensions.Msal.MsalCacheHelper]::CreateAsync((New-AzStorageProperties)).GetAwaiter().GetResult()
    $helper.VerifyPersistence()
}
catch {
    $persistence = 'PlaintextFile'
    $helper = [Microsoft.Identity.Client.Extensions.Msal.MsalCacheHelper]::CreateAsync((New-AzStorageProperties -Unprotected)).GetAwaiter().GetResult()
}

function B64Url([string]$s) { [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($s)).TrimEnd('=').Replace('+', '-').Replace('/', '_') }
$oid = '22222222-2222-2222-2222-222222222222'; $tid = '11111111-1111-1111-1111-111111111111'
$f = [AzRsTest.FakeIdpFactory]::new()
$app = [Microsoft.Identity.Client.PublicClientApplicationBuilder]::Create($clientId).WithAuthority('https://login.microsoftonline.com/organizations').WithHttpClientFactory($f).Build()
$helper.RegisterCache($app.UserTokenCache)

if ($Mode -eq 'Write') {
    $idt = (B64Url '{"alg":"none","typ":"JWT"}') + '.' + (B64Url ('{"aud":"' + $clientId + '","iss":"https://login.microsoftonline.com/' + $tid + '/v2.0","iat":1700000000,"nbf":1700000000,"exp":4000000000,"name":"Alice","oid":"' + $oid + '","preferred_username":"alice@contoso.test","sub":"s","tid":"' + $tid + '","ver":"2.0"}')) + '.'
    $ci = B64Url ('{"uid":"' + $oid + '","utid":"' + $tid + '"}')
    $f.Handler.TokenResponse = '{"token_type":"Bearer","scope":"https://management.core.windows.net//user_impersonation https://management.core.windows.net//.default","expires_in":3599,"ext_expires_in":3599,"access_token":"' + $AccessToken + '","refresh_token":"' + $RefreshToken + '","foci":"1","id_token":"' + $idt + '","client_info":"' + $ci + '"}'
    $r = $app.AcquireTokenByUsernamePassword([string[]]@($arm), 'alice@contoso.test', 'pw').ExecuteAsync().GetAwaiter().GetResult()
    [pscustomobject]@{ persistence = $persistence; homeAccountId = $r.Account.HomeAccountId.Identifier; tokenCalls = $f.Handler.TokenCalls } | ConvertTo-Json -Compress
    return
}

# Read: what Az.Accounts would see.
$accounts = @($app.GetAccountsAsync().GetAwaiter().GetResult())
$out = [ordered]@{ persistence = $persistence; accounts = @($accounts | ForEach-Object { [ordered]@{ username = $_.Username; homeAccountId = $_.HomeAccountId.Identifier; environment = $_.Environment } }) }
if ($accounts.Count -gt 0) {
    try {
        $r = $app.AcquireTokenSilent([string[]]@($arm), $accounts[0]).ExecuteAsync().GetAwaiter().GetResult()
        $out.accessToken = $r.AccessToken
        $out.source = [string]$r.AuthenticationResultMetadata.TokenSource
        $out.expiresOn = $r.ExpiresOn.ToUnixTimeSeconds()
    }
    catch { $out.silentError = $_.Exception.Message }
}
$out.tokenCalls = $f.Handler.TokenCalls
$out | ConvertTo-Json -Compress -Depth 5
