# Update/Get/Clear/Export/Import-AzConfig through the built module, with HOME in a temp folder.

BeforeAll {
    $script:psd1 = (Resolve-Path "$PSScriptRoot/../AzRs.psd1").Path
    $script:oldHome = $env:HOME
    $script:oldXdg = $env:XDG_DATA_HOME
    $script:oldUserProfile = $env:USERPROFILE
    $script:tmpHome = Join-Path ([System.IO.Path]::GetTempPath()) ("azrs-config-" + [guid]::NewGuid().ToString('N'))
    $null = New-Item -ItemType Directory -Path $script:tmpHome
    $env:HOME = $script:tmpHome
    $env:USERPROFILE = $script:tmpHome
    $env:XDG_DATA_HOME = Join-Path $script:tmpHome '.local/share'
    $script:file = Join-Path $script:tmpHome '.Azure/PSConfig.json'
    Import-Module $script:psd1 -Force

    function Invoke-Child([string]$Command) {
        # A second process: sees only what is on disk and in its inherited environment.
        $script = "`$ErrorActionPreference='Stop'; Import-Module '$($script:psd1 -replace "'", "''")'; $Command"
        $out = & pwsh -NoProfile -NonInteractive -Command $script
        if ($LASTEXITCODE -ne 0) { throw "child pwsh failed: $out" }
        return $out
    }
}

AfterAll {
    Remove-Module AzRs -ErrorAction SilentlyContinue
    $env:HOME = $script:oldHome
    $env:XDG_DATA_HOME = $script:oldXdg
    $env:USERPROFILE = $script:oldUserProfile
    # Only ever delete the temp folder this suite made (never a HOME that failed to change).
    if ($script:tmpHome -and (Split-Path -Leaf $script:tmpHome).StartsWith('azrs-config-')) {
        Remove-Item -Recurse -Force $script:tmpHome -ErrorAction SilentlyContinue
    }
}

Describe 'AzConfig cmdlets' {
    BeforeEach {
        Remove-Item -Force $script:file -ErrorAction SilentlyContinue
        Clear-AzConfig -Scope Process -Force
        $env:SuppressAzurePowerShellBreakingChangeWarnings = $null
    }

    It 'exports the cmdlets and the Set-AzConfig alias' {
        foreach ($name in 'Update-AzConfig', 'Get-AzConfig', 'Clear-AzConfig', 'Export-AzConfig', 'Import-AzConfig') {
            (Get-Command $name -Module AzRs).Name | Should -Be $name
        }
        (Get-Alias Set-AzConfig).Definition | Should -Be 'Update-AzConfig'
    }

    It 'lists every Az key with its default, help message and Az type name' {
        $all = @(Get-AzConfig)
        $all.Count | Should -Be 11
        ($all | Where-Object Scope -ne 'Default').Count | Should -Be 0
        $wam = $all | Where-Object Key -eq 'EnableLoginByWam'
        $wam.Value | Should -BeTrue
        $wam.AppliesTo | Should -Be 'Az'
        $wam.HelpMessage | Should -Match 'Web Account Manager'
        $wam.PSObject.TypeNames[0] | Should -Be 'Microsoft.Azure.PowerShell.Common.Config.PSConfig'
        $wam.PSObject.TypeNames | Should -Contain 'Microsoft.Azure.Commands.Profile.Models.PSConfig'
        (Get-AzConfig -LoginExperienceV2).Value | Should -Be 'On'
    }

    It 'has a table view with Az''s columns' {
        $view = (Get-FormatData -TypeName 'Microsoft.Azure.PowerShell.Common.Config.PSConfig').FormatViewDefinition[0]
        $view.Control.Headers.Label | Should -Be @('Key', 'Value', 'Applies To', 'Scope', 'Help Message')
        $text = Get-AzConfig -CheckForUpgrade | Out-String
        $text | Should -Match 'Key\s+Value\s+Applies To\s+Scope\s+Help Message'
    }

    It 'writes PSConfig.json in Az''s shape (nested, 4 spaces, no BOM, On/Off as text)' {
        $out = Update-AzConfig -DefaultSubscriptionForLogin 'Contoso Prod' -EnableLoginByWam $false -LoginExperienceV2 Off
        @($out).Count | Should -Be 3
        $out[0].Scope | Should -Be 'CurrentUser'
        $null = Set-AzConfig -DisplayBreakingChangeWarning $false -AppliesTo 'Az.KeyVault'
        $bytes = [System.IO.File]::ReadAllBytes($script:file)
        $bytes[0] | Should -Be ([byte][char]'{')
        $nl = [Environment]::NewLine
        $expected = "{$nl    `"Az`": {$nl        `"DefaultSubscriptionForLogin`": `"Contoso Prod`",$nl        `"EnableLoginByWam`": false,$nl        `"LoginExperienceV2`": `"Off`"$nl    },$nl    `"Az.KeyVault`": {$nl        `"DisplayBreakingChangeWarning`": false$nl    }$nl}"
        [System.Text.Encoding]::UTF8.GetString($bytes) | Should -BeExactly $expected
    }

    It 'persists CurrentUser values for a second pwsh process' {
        $null = Update-AzConfig -DefaultSubscriptionForLogin 'Contoso Prod'
        Invoke-Child '(Get-AzConfig -DefaultSubscriptionForLogin).Value' | Should -Be 'Contoso Prod'
    }

    It 'keeps Process values in this process only' {
        $row = Update-AzConfig -CheckForUpgrade $false -Scope Process
        $row.Scope | Should -Be 'Process'
        Test-Path $script:file | Should -BeFalse
        $got = Get-AzConfig -CheckForUpgrade
        $got.Value | Should -BeFalse
        $got.Scope | Should -Be 'Process'
        Invoke-Child '(Get-AzConfig -CheckForUpgrade).Scope' | Should -Be 'Default'
    }

    It 'applies Process > environment > file > default' {
        $null = Update-AzConfig -DisplayBreakingChangeWarning $true
        (Get-AzConfig -DisplayBreakingChangeWarning).Scope | Should -Be 'CurrentUser'
        # Set in this session only: proves the engine reads env from PowerShell, not getenv.
        $env:SuppressAzurePowerShellBreakingChangeWarnings = 'true'
        $row = Get-AzConfig -DisplayBreakingChangeWarning
        $row.Value | Should -BeFalse
        $row.Scope | Should -Be 'Environment'
        $null = Update-AzConfig -DisplayBreakingChangeWarning $true -Scope Process
        $row = Get-AzConfig -DisplayBreakingChangeWarning
        $row.Value | Should -BeTrue
        $row.Scope | Should -Be 'Process'
        (Get-AzConfig -Scope Environment).Count | Should -Be 0
        $env:SuppressAzurePowerShellBreakingChangeWarnings = $null
        Clear-AzConfig -DisplayBreakingChangeWarning -Scope Process
        (Get-AzConfig -DisplayBreakingChangeWarning).Scope | Should -Be 'CurrentUser'
    }

    It 'filters by AppliesTo and Scope' {
        $null = Update-AzConfig -DisplayBreakingChangeWarning $false -AppliesTo 'Get-AzKeyVault'
        $rows = @(Get-AzConfig -AppliesTo 'get-azkeyvault')
        $rows.Count | Should -Be 1
        $rows[0].AppliesTo | Should -Be 'Get-AzKeyVault'
        @(Get-AzConfig -Scope CurrentUser).Count | Should -Be 1
    }

    It 'clears by key and all' {
        $null = Update-AzConfig -CheckForUpgrade $false -EnableLoginByWam $false
        Clear-AzConfig -CheckForUpgrade -PassThru | Should -BeTrue
        (Get-AzConfig -CheckForUpgrade).Scope | Should -Be 'Default'
        (Get-AzConfig -EnableLoginByWam).Scope | Should -Be 'CurrentUser'
        Clear-AzConfig -Force
        [System.IO.File]::ReadAllText($script:file) | Should -Be '{}'
        (Get-AzConfig -EnableLoginByWam).Scope | Should -Be 'Default'
    }

    It 'does nothing with -WhatIf' {
        $null = Update-AzConfig -CheckForUpgrade $false -WhatIf
        Test-Path $script:file | Should -BeFalse
    }

    It 'exports and imports (merge)' {
        $exported = Join-Path $script:tmpHome 'exported.json'
        { Export-AzConfig -Path $exported } | Should -Throw -ErrorId 'NoConfigsToExport,Export-AzConfig'
        $null = Update-AzConfig -DefaultSubscriptionForLogin 'sub-a' -LoginExperienceV2 Off
        Export-AzConfig -Path $exported -PassThru | Should -BeTrue
        [System.IO.File]::ReadAllText($exported) | Should -BeExactly ([System.IO.File]::ReadAllText($script:file))
        Clear-AzConfig -Force
        $null = Update-AzConfig -CheckForUpgrade $false
        Import-AzConfig -Path $exported -PassThru | Should -BeTrue
        (Get-AzConfig -DefaultSubscriptionForLogin).Value | Should -Be 'sub-a'
        (Get-AzConfig -LoginExperienceV2).Value | Should -Be 'Off'
        (Get-AzConfig -CheckForUpgrade).Value | Should -BeFalse
        Export-AzConfig -Path $exported -Force -PassThru | Should -BeTrue
        $bad = Join-Path $script:tmpHome 'bad.json'
        Set-Content -Path $bad -Value 'not json'
        { Import-AzConfig -Path $bad } | Should -Throw -ErrorId 'ConfigImportInvalid,Import-AzConfig'
    }

    It 'refuses AppliesTo values a key does not allow, with Az''s message' {
        $err = $null
        try { Update-AzConfig -EnableLoginByWam $false -AppliesTo 'Az.Storage' } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'InvalidAppliesTo,Update-AzConfig'
        $err.Exception.Message | Should -Be "[Az.Storage] is not a valid value for AppliesTo - it doesn't match any of (Az)."
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        { Update-AzConfig -DisplayBreakingChangeWarning $false -AppliesTo 'not a name' } | Should -Throw -ErrorId 'InvalidAppliesTo,Update-AzConfig'
        { Get-AzConfig -AppliesTo 'not a name' } | Should -Throw -ErrorId 'InvalidAppliesTo,Get-AzConfig'
        { Update-AzConfig -CheckForUpgrade $false -Scope Environment } | Should -Throw -ErrorId 'InvalidConfigScope,Update-AzConfig'
        Test-Path $script:file | Should -BeFalse
    }

    It 'reports an unknown key with Az''s message' {
        $err = $null
        try {
            & (Get-Module AzRs) { param($c) Import-AzRsChunk -All; Invoke-AzRsNative -Op 'config.update' -Arguments @{ values = @{ NoSuchKey = $true } } -Cmdlet $c } $PSCmdlet
        }
        catch { $err = $_ }
        $err.Exception.Message | Should -Be 'Config with key [NoSuchKey] was not registered.'
        $err.FullyQualifiedErrorId | Should -BeLike 'ConfigKeyNotRegistered*'
    }

    It 'reports a corrupt PSConfig.json and never replaces it' {
        $null = New-Item -ItemType Directory -Force -Path (Split-Path $script:file)
        [System.IO.File]::WriteAllText($script:file, '{ "Az": { "EnableLoginByWam": fal')
        $rows = Get-AzConfig -EnableLoginByWam -WarningVariable warnings -WarningAction SilentlyContinue
        $rows.Scope | Should -Be 'Default'
        "$warnings" | Should -Match 'PSConfig.json.*not valid'
        { Update-AzConfig -EnableLoginByWam $false } | Should -Throw -ErrorId 'ConfigFileCorrupt,Update-AzConfig'
        { Clear-AzConfig -Force } | Should -Throw -ErrorId 'ConfigFileCorrupt,Clear-AzConfig'
        [System.IO.File]::ReadAllText($script:file) | Should -BeExactly '{ "Az": { "EnableLoginByWam": fal'
        # Process scope still works while the file is broken
        (Update-AzConfig -EnableLoginByWam $false -Scope Process).Value | Should -BeFalse
    }

    It 'takes values from the pipeline by property name' {
        $rows = [pscustomobject]@{ CheckForUpgrade = $false } | Update-AzConfig -Scope Process
        $rows.Key | Should -Be 'CheckForUpgrade'
        $rows.Value | Should -BeFalse
    }
}
