# Contexts through the built module, over real files and real processes.

BeforeAll {
    . (Join-Path $PSScriptRoot 'ContextTestHelpers.ps1')
    Import-Module $script:ModulePath -Force
    $script:OriginalHome = $env:HOME
    $script:S1 = '11111111-1111-1111-1111-111111111111'
    $script:S2 = '22222222-2222-2222-2222-222222222222'
    $script:T = '72f988bf-0000-0000-0000-000000000000'
    $script:Prod = "Contoso Prod ($script:S1) - $script:T - alice@contoso.com"
    $script:Dev = "Contoso Dev ($script:S2) - $script:T - alice@contoso.com"
}

AfterAll {
    $env:HOME = $script:OriginalHome
    $env:USERPROFILE = $null
}

Describe 'Module manifest' {
    It 'exports exactly the Public functions and the aliases they define' {
        $manifest = Import-PowerShellDataFile $script:ModulePath
        $public = @(Get-ChildItem (Join-Path $script:RepoRoot 'ps-module/Public') -Filter *.ps1 | ForEach-Object BaseName | Sort-Object)
        @($manifest.FunctionsToExport | Sort-Object) | Should -Be $public
        # Aliases are [Alias()] attributes of the Public functions.
        $aliases = foreach ($f in Get-ChildItem (Join-Path $script:RepoRoot 'ps-module/Public') -Filter *.ps1) {
            $ast = [System.Management.Automation.Language.Parser]::ParseFile($f.FullName, [ref]$null, [ref]$null)
            $fn = $ast.Find({ param($n) $n -is [System.Management.Automation.Language.FunctionDefinitionAst] }, $false)
            foreach ($attr in $fn.Body.ParamBlock.Attributes | Where-Object { $_.TypeName.Name -eq 'Alias' }) { $attr.PositionalArguments.Value }
        }
        @($manifest.AliasesToExport | Sort-Object) | Should -Be @($aliases | Sort-Object)
        (Get-Command Select-AzSubscription).ResolvedCommand.Name | Should -Be 'Set-AzContext'
        (Get-Command Save-AzProfile).ResolvedCommand.Name | Should -Be 'Save-AzContext'
    }
}

Describe 'Az-written files load' {
    It 'reads a modern user login (names, account, subscription, tenant, environment)' {
        $null = New-TestHome -Fixture 'modern-user.json'
        $c = Get-AzContext
        $c.Name | Should -Be $script:Prod
        $c.PSObject.TypeNames[0] | Should -Be 'Microsoft.Azure.Commands.Profile.Models.Core.PSAzureContext'
        $c.Account.Id | Should -Be 'alice@contoso.com'
        $c.Account.Type | Should -Be 'User'
        $c.Account.Tenants | Should -Contain $script:T
        $c.Subscription.Name | Should -Be 'Contoso Prod'
        $c.Subscription.Id | Should -Be $script:S1
        $c.Subscription.TenantId | Should -Be $script:T
        $c.Tenant.Id | Should -Be $script:T
        $c.Tenant.Name | Should -Be 'Contoso'
        $c.Environment.Name | Should -Be 'AzureCloud'
        $c.Environment.PSObject.TypeNames[0] | Should -Be 'Microsoft.Azure.Commands.Profile.Models.PSAzureEnvironment'
        @(Get-AzContext -ListAvailable).Name | Should -Be @($script:Prod, $script:Dev)
        (Get-AzContext -Name $script:Dev).Subscription.Name | Should -Be 'Contoso Dev'
    }

    It 'turns into the strings Az''s objects do ("$($ctx.Account)" is the account id)' {
        $null = New-TestHome -Fixture 'modern-user.json'
        $c = Get-AzContext
        "$($c.Account)" | Should -Be 'alice@contoso.com'
        "$($c.Subscription)" | Should -Be $script:S1
        "$($c.Tenant)" | Should -Be $script:T
        "$($c.Environment)" | Should -Be 'AzureCloud'
        "$c" | Should -Be 'Microsoft.Azure.Commands.Profile.Models.Core.PSAzureContext'
        "Signed in as $((Get-AzContext -ListAvailable)[1].Account) to $((Get-AzContext -ListAvailable)[1].Subscription)" | Should -Be "Signed in as alice@contoso.com to $script:S2"
        "$(Get-AzEnvironment -Name AzureChinaCloud)" | Should -Be 'AzureChinaCloud'
        # Only the string form changes: properties and JSON stay as they were.
        $c.Account | ConvertTo-Json -Compress | Should -Match '^\{"Id":"alice@contoso.com",'
        # ...and a context's parts bind to string parameters as their ids, as with Az.
        $dev = Get-AzContext -Name $script:Dev
        (Set-AzContext -Subscription $dev.Subscription -Tenant $dev.Tenant).Subscription.Name | Should -Be 'Contoso Dev'
        (Get-AzContext).Subscription.Id | Should -Be $script:S2
    }

    It 'reads <fixture>' -ForEach @(
        @{ fixture = 'legacy.json'; name = 'Contoso Test Subscription (00000000-0000-0000-0000-000000000000) - 3c0ff8a7-e8bb-40e8-ae66-271343379af6 - me@contoso.com'; account = 'me@contoso.com'; env = 'testCloud' }
        @{ fixture = 'msi-sp.json'; name = "Contoso Prod (11111111-1111-1111-1111-111111111111) - 72f988bf-0000-0000-0000-000000000000 - 33333333-3333-3333-3333-333333333333"; account = '33333333-3333-3333-3333-333333333333'; env = 'AzureCloud' }
        @{ fixture = 'tenant-only.json'; name = '55555555-5555-5555-5555-555555555555 - carol@fabrikam.com'; account = 'carol@fabrikam.com'; env = 'AzureCloud' }
        @{ fixture = 'old-name.json'; name = 'Free Trial (2b6f0000-0000-0000-0000-000000000000) - dave@hotmail.com'; account = 'dave@hotmail.com'; env = 'AzureCloud' }
        @{ fixture = 'psenv-order.json'; name = 'Contoso Prod (11111111-1111-1111-1111-111111111111) - 72f988bf-0000-0000-0000-000000000000 - alice@contoso.com'; account = 'alice@contoso.com'; env = 'AzureCloud' }
        @{ fixture = 'discovered.json'; name = 'Contoso Prod (11111111-1111-1111-1111-111111111111) - 72f988bf-0000-0000-0000-000000000000 - alice@contoso.com'; account = 'alice@contoso.com'; env = 'AzureCloud' }
        @{ fixture = 'junk-crlf.json'; name = 'Contoso Prod (11111111-1111-1111-1111-111111111111) - 72f988bf-0000-0000-0000-000000000000 - alice@contoso.com'; account = 'alice@contoso.com'; env = 'AzureCloud' }
    ) {
        $null = New-TestHome -Fixture $fixture
        $c = Get-AzContext
        $c.Name | Should -Be $name
        $c.Account.Id | Should -Be $account
        $c.Environment.Name | Should -Be $env
    }

    It 'shows the tenant-only context without a subscription, and the MSI account' {
        $null = New-TestHome -Fixture 'tenant-only.json'
        (Get-AzContext).Subscription | Should -BeNullOrEmpty
        $null = New-TestHome -Fixture 'msi-sp.json'
        (Get-AzContext -ListAvailable | Where-Object { $_.Account.Type -eq 'ManagedService' }).Account.Id | Should -Be 'MSI@50342'
    }

    It 'never shows raw tokens or secrets, and keeps them in the file when rewriting' {
        $azure = New-TestHome -Fixture 'secrets.json'
        $before = [System.IO.File]::ReadAllText((Join-Path $azure 'AzureRmContext.json'))
        $all = Get-AzContext -ListAvailable
        ($all | ConvertTo-Json -Depth 10) | Should -Not -Match 'SECRET'
        $all[0].Account.AccessToken | Should -BeNullOrEmpty
        $other = $all[1].Name
        Select-AzContext -Name $other | Out-Null
        $after = [System.IO.File]::ReadAllText((Join-Path $azure 'AzureRmContext.json'))
        foreach ($s in 'eyJSECRETACCESSTOKENVALUE.payload.sig', 'eyJSECRETGRAPH.x.y', 'eyJSECRETKEYVAULT.x.y', 'eyJSECRETMSGRAPH.x.y', 'eyJSECRETCLIENTASSERTION.jwt.sig', 'SECRET-SP-PASSWORD-VALUE', 'SECRET-CERT-PASSWORD') {
            $after | Should -BeLike "*$s*"
        }
        $after.Replace($other, 'X').Length | Should -BeGreaterThan 0
        # Only DefaultContextKey changed.
        $diff = @(Compare-Object ($before -split "`n") ($after -split "`n"))
        $diff.Count | Should -Be 2
    }

    It 'shows contexts in the Az.Accounts table, grouped by tenant' {
        $null = New-TestHome -Fixture 'modern-user.json'
        $text = Get-AzContext -ListAvailable | Format-Table | Out-String -Width 300
        $text | Should -Match 'Tenant: Contoso \(72f988bf-0000-0000-0000-000000000000\)'
        $text | Should -Match 'SubscriptionName\s+SubscriptionId\s+Account\s+Environment'
        $text | Should -Match 'Contoso Prod\s+11111111-1111-1111-1111-111111111111\s+alice@contoso.com\s+AzureCloud'
    }
}

Describe 'Tab completion' {
    It 'completes context names (quoted) and environment names' {
        $null = New-TestHome -Fixture 'modern-user.json'
        $r = TabExpansion2 -inputScript 'Select-AzContext -Name Contoso' -cursorColumn 'Select-AzContext -Name Contoso'.Length
        @($r.CompletionMatches.CompletionText) | Should -Be @("'$script:Prod'", "'$script:Dev'")
        $r = TabExpansion2 -inputScript 'Rename-AzContext -SourceName Contoso' -cursorColumn 'Rename-AzContext -SourceName Contoso'.Length
        @($r.CompletionMatches).Count | Should -Be 2
        $r = TabExpansion2 -inputScript 'Get-AzEnvironment -Name AzureU' -cursorColumn 'Get-AzEnvironment -Name AzureU'.Length
        @($r.CompletionMatches.CompletionText) | Should -Be @('AzureUSGovernment')
    }
}

Describe 'Changes reach the file and other processes' {
    It 'Select-AzContext changes only DefaultContextKey; a second process sees it' {
        $azure = New-TestHome -Fixture 'modern-user.json'
        (Select-AzContext -Name $script:Dev).Name | Should -Be $script:Dev
        (Get-AzContext).Name | Should -Be $script:Dev
        (Get-ContextFile $azure).DefaultContextKey | Should -Be $script:Dev
        $bytes = [System.IO.File]::ReadAllBytes((Join-Path $azure 'AzureRmContext.json'))
        $bytes[0..2] | Should -Be @(0xEF, 0xBB, 0xBF)
        (Invoke-SecondProcess '(Get-AzContext).Name | ConvertTo-Json') | Should -Be $script:Dev
    }

    It 'Get-AzContext -ListAvailable reflects changes after being cached' {
        $null = New-TestHome -Fixture 'modern-user.json'
        @(Get-AzContext -ListAvailable).Count | Should -Be 2
        @(Get-AzContext -ListAvailable).Count | Should -Be 2
        Rename-AzContext -SourceName $script:Dev -TargetName 'dev' | Out-Null
        @(Get-AzContext -ListAvailable).Name | Should -Be @($script:Prod, 'dev')
        Set-AzContext -Subscription $script:S1 -Name 'copy' | Out-Null
        @(Get-AzContext -ListAvailable).Count | Should -Be 3
    }

    It 'Select-AzContext takes a context from the pipeline' {
        $azure = New-TestHome -Fixture 'modern-user.json'
        Get-AzContext -Name $script:Dev | Select-AzContext | Out-Null
        (Get-ContextFile $azure).DefaultContextKey | Should -Be $script:Dev
    }

    It 'Rename-AzContext renames in the file and keeps it the default' {
        $azure = New-TestHome -Fixture 'modern-user.json'
        $r = Rename-AzContext -SourceName $script:Prod -TargetName 'prod' -PassThru
        $r.Name | Should -Be 'prod'
        $file = Get-ContextFile $azure
        Get-ContextNames $file | Should -Be @($script:Dev, 'prod')
        $file.DefaultContextKey | Should -Be 'prod'
        (Invoke-SecondProcess '(Get-AzContext).Name | ConvertTo-Json') | Should -Be 'prod'
    }

    It 'Rename-AzContext onto an existing name needs -Force' {
        $azure = New-TestHome -Fixture 'modern-user.json'
        Rename-AzContext -SourceName $script:Prod -TargetName $script:Dev -Force | Out-Null
        Get-ContextNames (Get-ContextFile $azure) | Should -Be @($script:Dev)
    }

    It 'Remove-AzContext removes only that context' {
        $azure = New-TestHome -Fixture 'modern-user.json'
        $gone = Remove-AzContext -Name $script:Dev -Force -PassThru
        $gone.Name | Should -Be $script:Dev
        Get-ContextNames (Get-ContextFile $azure) | Should -Be @($script:Prod)
        (Invoke-SecondProcess '@(Get-AzContext -ListAvailable).Count | ConvertTo-Json') | Should -Be 1
    }

    It 'Remove-AzContext of a missing context is a non-terminating error' {
        $null = New-TestHome -Fixture 'modern-user.json'
        Remove-AzContext -Name 'nope' -Force -ErrorVariable ev -ErrorAction SilentlyContinue
        $ev[0].FullyQualifiedErrorId | Should -Be 'ContextNotFound,Remove-AzContext'
    }

    It 'Clear-AzContext empties the contexts' {
        $azure = New-TestHome -Fixture 'modern-user.json'
        Clear-AzContext -Force -PassThru | Should -BeTrue
        $file = Get-ContextFile $azure
        @(Get-ContextNames $file).Count | Should -Be 0
        $file.DefaultContextKey | Should -Be 'Default'
        Get-AzContext | Should -BeNullOrEmpty
    }

    It 'Set-AzContext -Subscription (name or id) -Name saves a named copy and selects it' {
        $azure = New-TestHome -Fixture 'modern-user.json'
        $c = Set-AzContext -Subscription 'Contoso Dev' -Name 'mine'
        $c.Name | Should -Be 'mine'
        $c.Subscription.Id | Should -Be $script:S2
        $file = Get-ContextFile $azure
        Get-ContextNames $file | Should -Be @($script:Prod, $script:Dev, 'mine')
        $file.DefaultContextKey | Should -Be 'mine'
        (Select-AzSubscription -SubscriptionId $script:S1).Name | Should -Be $script:Prod
        (Get-ContextFile $azure).DefaultContextKey | Should -Be $script:Prod
        { Set-AzContext -Subscription 'nope' } | Should -Throw -ErrorId 'SubscriptionNotFound,Set-AzContext'
    }

    It 'Set-AzContext -Tenant and -ExtendedProperty, and -Context from the pipeline' {
        $azure = New-TestHome -Fixture 'modern-user.json'
        (Set-AzContext -Tenant 'contoso.com').Tenant.Id | Should -Be $script:T
        Get-AzContext -Name $script:Dev | Set-AzContext -ExtendedProperty @{ Purpose = 'test' } | Out-Null
        $file = Get-ContextFile $azure
        $file.DefaultContextKey | Should -Be $script:Dev
        $file.Contexts.$($script:Dev).ExtendedProperties.Purpose | Should -Be 'test'
    }

    It '-Scope Process changes stay in this process' {
        $azure = New-TestHome -Fixture 'modern-user.json'
        $before = [System.IO.File]::ReadAllBytes((Join-Path $azure 'AzureRmContext.json'))
        Select-AzContext -Name $script:Dev -Scope Process | Out-Null
        Rename-AzContext -SourceName $script:Prod -TargetName 'local' -Scope Process | Out-Null
        (Get-AzContext).Name | Should -Be $script:Dev
        @(Get-AzContext -ListAvailable).Name | Should -Contain 'local'
        [System.IO.File]::ReadAllBytes((Join-Path $azure 'AzureRmContext.json')) | Should -Be $before
        (Invoke-SecondProcess '(Get-AzContext).Name | ConvertTo-Json') | Should -Be $script:Prod
    }

    It 'Save-AzContext and Import-AzContext round-trip' {
        $azure = New-TestHome -Fixture 'modern-user.json'
        $saved = Join-Path $azure 'saved.json'
        $p = Save-AzContext -Path $saved
        $p.PSObject.TypeNames[0] | Should -Be 'Microsoft.Azure.Commands.Profile.Models.Core.PSAzureProfile'
        $p.Context.Name | Should -Be $script:Prod
        [System.IO.File]::ReadAllBytes($saved) | Should -Be ([System.IO.File]::ReadAllBytes((Join-Path $script:Fixtures 'modern-user.json')))
        Clear-AzContext -Force
        $i = Import-AzContext -Path $saved
        $i.Context.Name | Should -Be $script:Prod
        Get-ContextNames (Get-ContextFile $azure) | Should -Be @($script:Prod, $script:Dev)
        { Import-AzContext -Path (Join-Path $azure 'missing.json') } | Should -Throw -ErrorId 'ContextFileNotFound,Import-AzContext'
    }

    It 'Save-AzContext saves a piped context alone, as the default' {
        $azure = New-TestHome -Fixture 'modern-user.json'
        $saved = Join-Path $azure 'one.json'
        $p = Get-AzContext -Name $script:Dev | Save-AzContext -Path $saved
        $p.Context.Name | Should -Be $script:Dev
        Get-ContextNames (Get-Content -Raw $saved | ConvertFrom-Json) | Should -Be @($script:Dev)
        (Get-Content -Raw $saved | ConvertFrom-Json).DefaultContextKey | Should -Be $script:Dev
        Get-ContextNames (Get-ContextFile $azure) | Should -Be @($script:Prod, $script:Dev) -Because 'the session keeps both'
    }

    It 'Disable/Enable-AzContextAutosave write AzureRmContextSettings.json' {
        $azure = New-TestHome -Fixture 'modern-user.json'
        (Get-AzContextAutosaveSetting).Mode | Should -Be 'CurrentUser'
        $s = Disable-AzContextAutosave
        $s.Mode | Should -Be 'Process'
        $s.PSObject.TypeNames[0] | Should -Be 'Microsoft.Azure.Commands.Common.Authentication.ContextAutosaveSettings'
        $raw = [System.IO.File]::ReadAllText((Join-Path $azure 'AzureRmContextSettings.json'))
        $raw | Should -BeLike '{"Mode":"Process","ContextDirectory":null,*'
        # Autosave off: changes stay in this process (which keeps the contexts it had).
        $before = [System.IO.File]::ReadAllBytes((Join-Path $azure 'AzureRmContext.json'))
        (Select-AzContext -Name $script:Dev -ErrorAction Stop).Name | Should -Be $script:Dev
        [System.IO.File]::ReadAllBytes((Join-Path $azure 'AzureRmContext.json')) | Should -Be $before
        $e = Enable-AzContextAutosave
        $e.Mode | Should -Be 'CurrentUser'
        $e.ContextDirectory | Should -Be $azure
        (ConvertFrom-Json ([System.IO.File]::ReadAllText((Join-Path $azure 'AzureRmContextSettings.json')))).ContextFile | Should -Be 'AzureRmContext.json'
        (Enable-AzContextAutosave -Scope Process).Mode | Should -Be 'CurrentUser'
    }

    It 'honours ContextDirectory and ContextFile from the settings file' {
        $azure = New-TestHome
        $other = Join-Path $azure 'elsewhere'
        $null = New-Item -ItemType Directory $other
        Copy-Item (Join-Path $script:Fixtures 'modern-user.json') (Join-Path $other 'ctx.json')
        $settings = '{"Mode":"CurrentUser","ContextDirectory":' + (ConvertTo-Json $other) + ',"ContextFile":"ctx.json","CacheDirectory":null,"CacheFile":null,"Settings":{}}'
        [System.IO.File]::WriteAllText((Join-Path $azure 'AzureRmContextSettings.json'), $settings)
        (Get-AzContext).Name | Should -Be $script:Prod
        Select-AzContext -Name $script:Dev | Out-Null
        (ConvertFrom-Json ([System.IO.File]::ReadAllText((Join-Path $other 'ctx.json')))).DefaultContextKey | Should -Be $script:Dev
        Test-Path (Join-Path $azure 'AzureRmContext.json') | Should -BeFalse
    }
}

Describe 'Errors leave the file as it was' {
    It 'malformed JSON is ContextFileCorrupt' {
        $azure = New-TestHome
        $path = Join-Path $azure 'AzureRmContext.json'
        [System.IO.File]::WriteAllText($path, '{ "DefaultContextKey": "x", "Contexts": { broken')
        { Get-AzContext } | Should -Throw -ErrorId 'ContextFileCorrupt,Get-AzContext'
        { Select-AzContext -Name x -ErrorAction Stop } | Should -Throw -ErrorId 'ContextFileCorrupt,Select-AzContext'
        [System.IO.File]::ReadAllText($path) | Should -Be '{ "DefaultContextKey": "x", "Contexts": { broken'
    }

    It 'a folder at the file''s path is PathIsDirectory' {
        $azure = New-TestHome
        $path = Join-Path $azure 'AzureRmContext.json'
        $null = New-Item -ItemType Directory $path
        { Get-AzContext -ListAvailable } | Should -Throw -ErrorId 'PathIsDirectory,Get-AzContext'
        Test-Path $path -PathType Container | Should -BeTrue
    }

    It 'a read-only file is refused (ContextFileReadOnly) and kept' {
        $azure = New-TestHome -Fixture 'modern-user.json'
        $path = Join-Path $azure 'AzureRmContext.json'
        $null = Get-AzContext
        $before = [System.IO.File]::ReadAllBytes($path)
        & chmod 0444 $path
        try {
            { Select-AzContext -Name $script:Dev -ErrorAction Stop } | Should -Throw -ErrorId 'ContextFileReadOnly,Select-AzContext'
        }
        finally { & chmod 0600 $path }
        [System.IO.File]::ReadAllBytes($path) | Should -Be $before
        (Get-AzContext).Name | Should -Be $script:Prod
    }

    It 'an immutable file (chattr +i) is a write error and kept' {
        $azure = New-TestHome -Fixture 'modern-user.json'
        $path = Join-Path $azure 'AzureRmContext.json'
        $null = Get-AzContext
        $before = [System.IO.File]::ReadAllBytes($path)
        & chattr +i $path 2>$null
        if ($LASTEXITCODE -ne 0) { Set-ItResult -Skipped -Because 'this file system does not support chattr +i'; return }
        try {
            { Select-AzContext -Name $script:Dev -ErrorAction Stop } | Should -Throw -ErrorId 'FileWriteFailed,Select-AzContext'
        }
        finally { & chattr -i $path }
        [System.IO.File]::ReadAllBytes($path) | Should -Be $before
    }

    It 'an unprivileged user cannot replace a root-owned file (runs as nobody)' {
        $azure = New-TestHome -Fixture 'modern-user.json'
        $root = Split-Path -Parent $azure
        $path = Join-Path $azure 'AzureRmContext.json'
        $setpriv = Get-Command setpriv -ErrorAction SilentlyContinue
        if (-not $setpriv -or (& id -u) -ne '0') { Set-ItResult -Skipped -Because 'needs root and setpriv'; return }
        & chmod 0755 $root $azure
        & chmod 0644 $path
        $before = [System.IO.File]::ReadAllBytes($path)
        $pwsh = (Get-Process -Id $PID).Path
        $script = "`$env:HOME='$root'; Import-Module '$($script:ModulePath)'; try { Select-AzContext -Name '$($script:Dev)' -ErrorAction Stop; 'no error' } catch { `$_.FullyQualifiedErrorId }"
        $out = & setpriv --reuid=nobody --regid=nogroup --clear-groups $pwsh -NoProfile -NonInteractive -Command $script 2>&1
        ($out | Select-Object -Last 1) | Should -Match '^(FileWriteFailed|ContextFileReadOnly),Select-AzContext$'
        [System.IO.File]::ReadAllBytes($path) | Should -Be $before
    }
}

Describe 'Concurrent processes' {
    It '8 processes x 200 operations lose nothing' {
        $azure = New-TestHome -Fixture 'modern-user.json'
        $pwsh = (Get-Process -Id $PID).Path
        $worker = @'
param($w)
$ErrorActionPreference = 'Stop'
Import-Module '{0}'
for ($i = 0; $i -lt 50; $i++) {{
    $n = "p$w-$i"
    Set-AzContext -Subscription '{1}' -Name $n | Out-Null
    Rename-AzContext -SourceName $n -TargetName "$n-r" | Out-Null
    Select-AzContext -Name "$n-r" | Out-Null
    if ($i % 5 -eq 0) {{ Remove-AzContext -Name "$n-r" -Force | Out-Null }} else {{ Get-AzContext | Out-Null }}
}}
'done'
'@ -f $script:ModulePath, $script:S1
        $file = Join-Path $azure 'worker.ps1'
        Set-Content -Path $file -Value $worker
        $procs = foreach ($w in 0..7) {
            Start-Process -FilePath $pwsh -ArgumentList @('-NoProfile', '-NonInteractive', '-File', $file, $w) -PassThru -RedirectStandardOutput (Join-Path $azure "out$w.txt") -RedirectStandardError (Join-Path $azure "err$w.txt")
        }
        $procs | Wait-Process -Timeout 600
        foreach ($w in 0..7) {
            (Get-Content (Join-Path $azure "err$w.txt") -Raw) | Should -BeNullOrEmpty
            (Get-Content (Join-Path $azure "out$w.txt") -Raw).Trim() | Should -Be 'done'
        }
        $names = Get-ContextNames (Get-ContextFile $azure)
        $expected = @($script:Prod, $script:Dev) + @(foreach ($w in 0..7) { foreach ($i in 0..49) { if ($i % 5 -ne 0) { "p$w-$i-r" } } })
        @($names | Sort-Object) | Should -Be @($expected | Sort-Object)
    }
}

Describe 'Killed while saving' {
    It 'leaves the old or the new file, never a torn one (20 kills)' {
        $azure = New-TestHome
        $path = Join-Path $azure 'AzureRmContext.json'
        & (Join-Path $script:RepoRoot 'bench/New-AzRsContextFile.ps1') -Path $path -Count 1000
        $pwsh = (Get-Process -Id $PID).Path
        $loop = "Import-Module '$($script:ModulePath)'; `$names = @(Get-AzContext -ListAvailable).Name; `$i = 0; while (`$true) { Select-AzContext -Name `$names[`$i % `$names.Count] | Out-Null; `$i++ }"
        $rng = [System.Random]::new()
        foreach ($round in 1..20) {
            $p = Start-Process -FilePath $pwsh -ArgumentList @('-NoProfile', '-NonInteractive', '-Command', $loop) -PassThru
            Start-Sleep -Milliseconds (1500 + $rng.Next(0, 1500))
            $p.Kill()   # SIGKILL on Unix
            $p.WaitForExit()
            $text = [System.IO.File]::ReadAllText($path)
            $doc = ConvertFrom-Json -InputObject $text
            @($doc.Contexts.PSObject.Properties).Count | Should -Be 1000
        }
        # The next save under the lock removes temp files a killed writer left behind.
        Select-AzContext -Name (Get-AzContext -ListAvailable)[3].Name | Out-Null
        @(Get-ChildItem -Force $azure -Filter '.AzureRmContext.json.*.tmp').Count | Should -Be 0
    }
}
