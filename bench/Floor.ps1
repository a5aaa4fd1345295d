<#
    Floor modules for the launch benches (dot-source it): the least a module of AzRs's shape can
    cost on this pwsh, measured in the same run as AzRs, so a target can be read against what
    PowerShell itself charges for the parts every such module needs.

    - Empty: a manifest and an empty psm1 (what Import-Module costs at all).
    - Functions: one minimal advanced function per AzRs export (same names, `param()` only) and
      AzRs's own format file: the import floor of a module with AzRs's command count and views,
      without parameters, help or a loader.
    - Token: one advanced function that does what `Get-AzAccessToken` must do in a new process and
      nothing else: emit the two P/Invoke declarations with Reflection.Emit, pass the environment
      block, make one engine call (auth.token from the shared cache) and return Az's token object
      (SecureString Token, ExpiresOn, TenantId, UserId, Type).
#>

function New-FloorModule {
    # Writes the floor module of $Kind under $Folder and returns its manifest path.
    param(
        [Parameter(Mandatory)][ValidateSet('Empty', 'Functions', 'Token')][string]$Kind,
        [Parameter(Mandatory)][string]$Folder,
        [Parameter(Mandatory)][string]$Root
    )
    $dir = Join-Path $Folder "floor-$($Kind.ToLowerInvariant())"
    $null = New-Item -ItemType Directory -Force -Path $dir
    $manifest = Import-PowerShellDataFile (Join-Path $Root 'AzRs.psd1')
    $formats = '@()'
    $exports = '@()'
    switch ($Kind) {
        'Empty' { $body = '' }
        'Functions' {
            Copy-Item (Join-Path $Root 'ps-module/AzRs.Format.ps1xml') (Join-Path $dir 'Floor.Format.ps1xml')
            $formats = "@('Floor.Format.ps1xml')"
            $exports = '@(' + (($manifest.FunctionsToExport | ForEach-Object { "'$_'" }) -join ', ') + ')'
            $body = ($manifest.FunctionsToExport | ForEach-Object { "function $_ { [CmdletBinding()] param() }" }) -join "`n"
        }
        'Token' {
            $exports = "@('Get-FloorAccessToken')"
            # On purpose a copy of what Get-AzAccessToken does on this path (environment block,
            # call, token object), standing alone: a floor must not use the module it is read against.
            $step = Get-FloorTokenStep -Library (Get-FloorLibraryPath -Root $Root)
            $body = @(
                'function Get-FloorAccessToken {'
                '[CmdletBinding()]'
                'param([string]$ResourceUrl)'
                'if ($null -eq $script:Native) {'
                $step['Dynamic assembly, module, type']
                $step['Two P/Invoke declarations']
                '$script:Native = $native'
                '}'
                '$native = $script:Native'
                $step['Request and environment block']
                $step['Engine call (P/Invoke)']
                $step['Copy and free the reply']
                'if ($rc -ne 0) { throw "engine error: $raw" }'
                $step['Token object (SecureString, DateTimeOffset)']
                '$token'
                '}'
            ) -join "`n"
        }
    }
    [System.IO.File]::WriteAllText((Join-Path $dir 'Floor.psm1'), $body + "`n")
    $psd1 = Join-Path $dir 'Floor.psd1'
    [System.IO.File]::WriteAllText($psd1, "@{ RootModule = 'Floor.psm1'; ModuleVersion = '1.0.0'; FormatsToProcess = $formats; FunctionsToExport = $exports; CmdletsToExport = @(); VariablesToExport = @(); AliasesToExport = @() }`n")
    return $psd1
}

function Get-FloorLibraryPath {
    # The engine library staged under the repository's module folder (./build.ps1).
    param([Parameter(Mandatory)][string]$Root)
    $library = (Get-ChildItem (Join-Path $Root 'ps-module/bin') -Recurse -File | Where-Object { $_.Name -in 'libazrs.so', 'azrs.dll', 'libazrs.dylib' } | Select-Object -First 1).FullName
    if (-not $library) { throw "No engine library under $Root/ps-module/bin: run ./build.ps1 first." }
    $library
}

function Get-FloorTokenStep {
    # The token floor's statements, step by step (name -> code), for the floor module above and
    # for first-use.bench.ps1, which times each step's first use. Each step leaves what the next
    # one reads: $type, $native, $request and $environ, $rc with $pointer and $length, $raw, $token.
    param([Parameter(Mandatory)][string]$Library)
    $steps = [ordered]@{
        'Dynamic assembly, module, type' = @'
$name = [System.Reflection.AssemblyName]::new('Floor.' + [guid]::NewGuid().ToString('N'))
$assembly = [System.Reflection.Emit.AssemblyBuilder]::DefineDynamicAssembly($name, [System.Reflection.Emit.AssemblyBuilderAccess]::Run)
$type = $assembly.DefineDynamicModule($name.Name).DefineType('Floor.Native', [System.Reflection.TypeAttributes]'Public, Abstract, Sealed')
'@
        'Two P/Invoke declarations' = @'
$attributes = [System.Reflection.MethodAttributes]'Public, Static, PinvokeImpl, HideBySig'
$call = $type.DefinePInvokeMethod('azrs_call', 'LIBRARY', $attributes, [System.Reflection.CallingConventions]::Standard, [int], [type[]]@([byte[]], [UIntPtr], [byte[]], [UIntPtr], [IntPtr].MakeByRefType(), [UIntPtr].MakeByRefType()), [System.Runtime.InteropServices.CallingConvention]::Cdecl, [System.Runtime.InteropServices.CharSet]::Ansi)
$call.SetImplementationFlags([System.Reflection.MethodImplAttributes]::PreserveSig)
$free = $type.DefinePInvokeMethod('azrs_buffer_free', 'LIBRARY', $attributes, [System.Reflection.CallingConventions]::Standard, [void], [type[]]@([IntPtr], [UIntPtr]), [System.Runtime.InteropServices.CallingConvention]::Cdecl, [System.Runtime.InteropServices.CharSet]::Ansi)
$free.SetImplementationFlags([System.Reflection.MethodImplAttributes]::PreserveSig)
$native = $type.CreateType()
'@
        'Request and environment block' = @'
$request = [System.Text.Encoding]::UTF8.GetBytes('{"op":"auth.token","args":{"compact":true}}')
$vars = [Environment]::GetEnvironmentVariables()
$vars['AzRs:UserProfile'] = [Environment]::GetFolderPath([Environment+SpecialFolder]::UserProfile, [Environment+SpecialFolderOption]::DoNotVerify)
$vars['AzRs:LocalApplicationData'] = [Environment]::GetFolderPath([Environment+SpecialFolder]::LocalApplicationData, [Environment+SpecialFolderOption]::DoNotVerify)
$names = [string[]]::new($vars.Count); $vars.Keys.CopyTo($names, 0)
$values = [string[]]::new($vars.Count); $vars.Values.CopyTo($values, 0)
$environ = [System.Text.Encoding]::UTF8.GetBytes([string]::Join("`0", $names) + "`0`0" + [string]::Join("`0", $values))
'@
        'Engine call (P/Invoke)' = @'
$pointer = [IntPtr]::Zero; $length = [UIntPtr]::Zero
$rc = $native::azrs_call($request, [UIntPtr]::new([uint64]$request.Length), $environ, [UIntPtr]::new([uint64]$environ.Length), [ref]$pointer, [ref]$length)
'@
        'Copy and free the reply' = @'
$buffer = [byte[]]::new([int]$length.ToUInt64())
[System.Runtime.InteropServices.Marshal]::Copy($pointer, $buffer, 0, $buffer.Length)
$native::azrs_buffer_free($pointer, $length)
$raw = [System.Text.Encoding]::UTF8.GetString($buffer)
'@
        'Token object (SecureString, DateTimeOffset)' = @'
$parts = $raw.Substring(1, $raw.Length - 2).Split([string[]]@('\n'), [System.StringSplitOptions]::None)
$token = [pscustomobject]@{
    PSTypeName = 'Microsoft.Azure.Commands.Profile.Models.PSSecureAccessToken'
    Token      = [System.Net.NetworkCredential]::new('', $parts[0]).SecurePassword
    ExpiresOn  = [DateTimeOffset]::FromUnixTimeSeconds([long]$parts[1])
    TenantId   = $parts[2]
    UserId     = $parts[3]
    Type       = 'Bearer'
}
'@
    }
    $literal = $Library.Replace("'", "''")
    foreach ($key in @($steps.Keys)) { $steps[$key] = $steps[$key].Replace('LIBRARY', $literal) }
    $steps
}
