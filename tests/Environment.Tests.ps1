# Environments through the built module: built-ins, user-defined ones in the file, and the
# -ARMEndpoint / -AutoDiscover documents served by a local HTTP server (a second pwsh).

BeforeAll {
    . (Join-Path $PSScriptRoot 'ContextTestHelpers.ps1')
    Import-Module $script:ModulePath -Force
    $script:OriginalHome = $env:HOME

    # A tiny metadata server: Azure Stack's document under /metadata/endpoints, the 2022-09-01
    # cloud list under /clouds.
    $l = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $l.Start(); $script:Port = $l.LocalEndpoint.Port; $l.Stop()
    $script:Base = "http://127.0.0.1:$($script:Port)"
    $server = @'
$stack = '{"galleryEndpoint":"https://gallery.local.azurestack.external/","graphEndpoint":"https://graph.windows.net/","portalEndpoint":"https://portal.local.azurestack.external/","authentication":{"loginEndpoint":"https://login.microsoftonline.com/","audiences":["https://management.contoso.onmicrosoft.com/4a1b"]}}'
$clouds = '[{"name":"AzureCloud","portal":"https://portal.azure.com","resourceManager":"https://management.azure.com/","authentication":{"loginEndpoint":"https://login.microsoftonline.com","audiences":["https://management.core.windows.net/"],"tenant":"common"},"suffixes":{"storage":"core.windows.net","sqlServerHostname":"database.windows.net","keyVaultDns":"vault.azure.net"},"microsoftGraphResourceId":"https://graph.microsoft.com/","logAnalyticsResourceId":"https://api.loganalytics.io"},{"name":"ContosoCloud","portal":"https://portal.contoso.test","resourceManager":"https://management.contoso.test/","authentication":{"loginEndpoint":"https://login.contoso.test","audiences":["https://management.contoso.test/"],"tenant":"common"},"suffixes":{"storage":"core.contoso.test","keyVaultDns":"vault.contoso.test"}}]'
$h = [System.Net.HttpListener]::new()
$h.Prefixes.Add("http://127.0.0.1:{0}/")
$h.Start()
while ($true) {
    $ctx = $h.GetContext()
    $body = if ($ctx.Request.Url.AbsolutePath -eq '/metadata/endpoints') { $stack } elseif ($ctx.Request.Url.AbsolutePath -eq '/clouds') { $clouds } else { $null }
    if ($null -eq $body) { $ctx.Response.StatusCode = 404; $ctx.Response.Close(); continue }
    $bytes = [System.Text.Encoding]::UTF8.GetBytes($body)
    $ctx.Response.ContentType = 'application/json'
    $ctx.Response.OutputStream.Write($bytes, 0, $bytes.Length)
    $ctx.Response.Close()
}
'@ -replace '\{0\}', $script:Port
    $script:ServerFile = Join-Path ([System.IO.Path]::GetTempPath()) "azrs-metadata-$($script:Port).ps1"
    Set-Content -Path $script:ServerFile -Value $server
    $script:Server = Start-Process -FilePath (Get-Process -Id $PID).Path -ArgumentList @('-NoProfile', '-NonInteractive', '-File', $script:ServerFile) -PassThru
    $deadline = [DateTime]::UtcNow.AddSeconds(20)
    while ([DateTime]::UtcNow -lt $deadline) {
        try { $null = Invoke-RestMethod "$($script:Base)/clouds" -TimeoutSec 2; break } catch { Start-Sleep -Milliseconds 200 }
    }
}

AfterAll {
    if ($script:Server) { Stop-Process -Id $script:Server.Id -Force -ErrorAction SilentlyContinue }
    Remove-Item $script:ServerFile -ErrorAction SilentlyContinue
    $env:HOME = $script:OriginalHome
    $env:ARM_CLOUD_METADATA_URL = $null
}

Describe 'Get-AzEnvironment' {
    It 'lists the three built-in clouds with Az.Accounts values' {
        $null = New-TestHome
        $all = @(Get-AzEnvironment)
        $all.Name | Should -Be @('AzureCloud', 'AzureChinaCloud', 'AzureUSGovernment')
        $c = Get-AzEnvironment -Name azurecloud
        $c.PSObject.TypeNames[0] | Should -Be 'Microsoft.Azure.Commands.Profile.Models.PSAzureEnvironment'
        $c.Type | Should -Be 'Built-in'
        $c.ResourceManagerUrl | Should -Be 'https://management.azure.com/'
        $c.ActiveDirectoryAuthority | Should -Be 'https://login.microsoftonline.com/'
        $c.GalleryUrl | Should -Be 'https://gallery.azure.com/'
        $c.AzureOperationalInsightsEndpoint | Should -Be 'https://api.loganalytics.io/v1'
        $c.ExtendedProperties.MicrosoftGraphUrl | Should -Be 'https://graph.microsoft.com'
        $c.AdTenant | Should -Be 'Common'
        (Get-AzEnvironment AzureUSGovernment).GraphUrl | Should -Be 'https://graph.microsoftazure.us/'
        (Get-AzEnvironment AzureChinaCloud).DataLakeEndpointResourceId | Should -BeNullOrEmpty
    }

    It 'shows Az.Accounts columns' {
        $null = New-TestHome
        $text = Get-AzEnvironment | Format-Table | Out-String -Width 300
        $text | Should -Match 'Name\s+Resource Manager Url\s+ActiveDirectory Authority'
        $text | Should -Match 'AzureCloud\s+https://management.azure.com/\s+https://login.microsoftonline.com/'
    }
}

Describe 'Add/Set/Remove-AzEnvironment' {
    It 'adds a user-defined environment to the file; a second process sees it' {
        $azure = New-TestHome -Fixture 'modern-user.json'
        $e = Add-AzEnvironment -Name 'Contoso' -ActiveDirectoryEndpoint 'https://login.contoso.test' -ResourceManagerEndpoint 'https://management.contoso.test/' -AzureOperationalInsightsEndpoint 'https://logs.contoso.test/v1' -EnableAdfsAuthentication
        $e.Name | Should -Be 'Contoso'
        $e.Type | Should -Be 'User-defined'
        $e.ActiveDirectoryAuthority | Should -Be 'https://login.contoso.test/'
        $e.EnableAdfsAuthentication | Should -BeTrue
        $stored = (Get-ContextFile $azure).EnvironmentTable.Contoso
        $stored.ResourceManagerUrl | Should -Be 'https://management.contoso.test/'
        $stored.ExtendedProperties.OperationalInsightsEndpoint | Should -Be 'https://logs.contoso.test/v1'
        $stored.OnPremise | Should -BeTrue
        @((Get-ContextFile $azure).EnvironmentTable.PSObject.Properties.Name) | Should -Be @('Contoso')
        (Invoke-SecondProcess '(Get-AzEnvironment -Name Contoso).ResourceManagerUrl | ConvertTo-Json') | Should -Be 'https://management.contoso.test/'
        @(Get-ContextNames (Get-ContextFile $azure)).Count | Should -Be 2
    }

    It 'Set-AzEnvironment changes one value and keeps the rest' {
        $azure = New-TestHome
        Add-AzEnvironment -Name 'Contoso' -ResourceManagerEndpoint 'https://management.contoso.test/' -GraphEndpoint 'https://graph.contoso.test/' | Out-Null
        (Set-AzEnvironment -Name 'Contoso' -GraphEndpoint 'https://graph2.contoso.test/').GraphUrl | Should -Be 'https://graph2.contoso.test/'
        $stored = (Get-ContextFile $azure).EnvironmentTable.Contoso
        $stored.GraphUrl | Should -Be 'https://graph2.contoso.test/'
        $stored.ResourceManagerUrl | Should -Be 'https://management.contoso.test/'
    }

    It 'Remove-AzEnvironment removes it; built-ins cannot be removed, changed or added' {
        $azure = New-TestHome
        Add-AzEnvironment -Name 'Contoso' -ResourceManagerEndpoint 'https://management.contoso.test/' | Out-Null
        (Remove-AzEnvironment -Name 'Contoso').Name | Should -Be 'Contoso'
        @((Get-ContextFile $azure).EnvironmentTable.PSObject.Properties).Count | Should -Be 0
        { Remove-AzEnvironment -Name AzureCloud -ErrorAction Stop } | Should -Throw -ErrorId 'PublicEnvironmentReadOnly,Remove-AzEnvironment'
        { Set-AzEnvironment -Name AzureCloud -GraphEndpoint x -ErrorAction Stop } | Should -Throw -ErrorId 'PublicEnvironmentReadOnly,Set-AzEnvironment'
        { Add-AzEnvironment -Name AzureChinaCloud -ErrorAction Stop } | Should -Throw -ErrorId 'PublicEnvironmentReadOnly,Add-AzEnvironment'
    }

    It '-Scope Process keeps the environment out of the file' {
        $azure = New-TestHome
        Add-AzEnvironment -Name 'Local' -ResourceManagerEndpoint 'https://management.local.test/' -Scope Process | Out-Null
        (Get-AzEnvironment -Name Local).ResourceManagerUrl | Should -Be 'https://management.local.test/'
        Test-Path (Join-Path $azure 'AzureRmContext.json') | Should -BeFalse
    }

    It 'Add-AzEnvironment -ARMEndpoint reads the Azure Stack metadata document' {
        $azure = New-TestHome
        $e = Add-AzEnvironment -Name 'Stack' -ARMEndpoint "$($script:Base)/"
        $e.ResourceManagerUrl | Should -Be "$($script:Base)/"
        $e.ActiveDirectoryAuthority | Should -Be 'https://login.microsoftonline.com/'
        $e.ActiveDirectoryServiceEndpointResourceId | Should -Be 'https://management.contoso.onmicrosoft.com/4a1b'
        $e.GalleryUrl | Should -Be 'https://gallery.local.azurestack.external/'
        $e.GraphEndpointResourceId | Should -Be 'https://graph.windows.net/'
        $e.StorageEndpointSuffix | Should -Be '0.0.1'
        $e.EnableAdfsAuthentication | Should -BeFalse
        (Get-ContextFile $azure).EnvironmentTable.Stack.ActiveDirectoryServiceEndpointResourceId | Should -Be 'https://management.contoso.onmicrosoft.com/4a1b'
    }

    It 'Add-AzEnvironment -ARMEndpoint reports an unreachable endpoint' {
        $null = New-TestHome
        { Add-AzEnvironment -Name 'Nope' -ARMEndpoint 'http://127.0.0.1:9/' -ErrorAction Stop } | Should -Throw -ErrorId 'MetadataRequestFailed,Add-AzEnvironment'
    }

    It 'Add-AzEnvironment -AutoDiscover -Uri adds discovered clouds for this session only' {
        $azure = New-TestHome
        $found = @(Add-AzEnvironment -AutoDiscover -Uri "$($script:Base)/clouds")
        $found.Name | Should -Be @('AzureCloud', 'ContosoCloud')
        $found[1].Type | Should -Be 'Discovered'
        (Get-AzEnvironment -Name ContosoCloud).ResourceManagerUrl | Should -Be 'https://management.contoso.test/'
        (Get-AzEnvironment -Name AzureCloud).ActiveDirectoryAuthority | Should -Be 'https://login.microsoftonline.com'
        Test-Path (Join-Path $azure 'AzureRmContext.json') | Should -BeFalse
    }

    It 'Add-AzEnvironment -AutoDiscover honours ARM_CLOUD_METADATA_URL' {
        $null = New-TestHome
        $env:ARM_CLOUD_METADATA_URL = "$($script:Base)/clouds"
        try { @(Add-AzEnvironment -AutoDiscover).Name | Should -Contain 'ContosoCloud' }
        finally { $env:ARM_CLOUD_METADATA_URL = $null }
    }
}
