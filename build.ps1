<#
.SYNOPSIS
    Builds AzRs: the Rust engine (release), the emulator, the assembled module; optionally tests.
.DESCRIPTION
    ./build.ps1          build the engine and emulator, stage them under ps-module/bin/<os>-<arch>/,
                         assemble ps-module/AzRs.psm1 and AzRs.Format.ps1xml from their sources
    ./build.ps1 -Test    ... then run every test: cargo tests, the Windows PowerShell 5.1
                         compatibility check, and the Pester suite under tests/ (in a new pwsh)
    ./build.ps1 -Demo    ... then run the demo (start the emulator, sign in, show the context)
    Exits non-zero when anything fails.
#>
[CmdletBinding()]
param(
    [switch]$Test,
    [switch]$Demo,
    # Skip cargo; only assemble the module (for quick PowerShell-only iterations).
    [switch]$SkipCargo,
    # Pester test files or folders to run instead of the whole tests/ folder.
    [string[]]$PesterPath
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$root = $PSScriptRoot
$moduleDir = Join-Path $root 'ps-module'

function Invoke-Native {
    param([string]$What, [scriptblock]$Command)
    Write-Host "==> $What" -ForegroundColor Cyan
    & $Command
    if ($LASTEXITCODE -ne 0) { throw "$What failed (exit code $LASTEXITCODE)." }
}

function Get-PlatformFolder {
    $arch = [System.Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture.ToString().ToLowerInvariant()
    if ($IsWindows) { return "win-$arch" }
    if ($IsMacOS) { return "osx-$arch" }
    return "linux-$arch"
}

function Get-CargoTargetDir {
    if ($env:CARGO_TARGET_DIR) { return $env:CARGO_TARGET_DIR }
    return (Join-Path $root 'target')
}

function Build-Engine {
    Push-Location $root
    try { Invoke-Native 'cargo build --release (engine, emulator)' { cargo build --release --workspace --locked } }
    finally { Pop-Location }
    $platform = Get-PlatformFolder
    $bin = Join-Path $moduleDir "bin/$platform"
    $null = New-Item -ItemType Directory -Force -Path $bin
    $release = Join-Path (Get-CargoTargetDir) 'release'
    $names = if ($IsWindows) { @('azrs.dll', 'azrs-emulator.exe') } elseif ($IsMacOS) { @('libazrs.dylib', 'azrs-emulator') } else { @('libazrs.so', 'azrs-emulator') }
    foreach ($name in $names) {
        $source = Join-Path $release $name
        if (-not (Test-Path $source)) { Write-Host "    (not built: $name)"; continue }
        # Copy to a temp name and rename: a pwsh that has the old library loaded keeps its inode.
        $dest = Join-Path $bin $name
        $tmp = "$dest.tmp"
        Copy-Item $source $tmp -Force
        Move-Item $tmp $dest -Force
        Write-Host "    staged $name -> ps-module/bin/$platform/"
    }
}

function Get-TopLevelParts {
    # A source file's top-level functions, its other statements (text), the script variables it
    # assigns at top level, and what it needs: the commands it calls and the script variables it
    # reads ('$Name').
    param([string]$Path)
    $tokens = $null; $errors = $null
    $ast = [System.Management.Automation.Language.Parser]::ParseFile($Path, [ref]$tokens, [ref]$errors)
    if ($errors) { throw "Parse error in ${Path}: $($errors[0])" }
    $functions = [System.Collections.Generic.List[object]]::new()
    $statements = [System.Collections.Generic.List[string]]::new()
    $defines = [System.Collections.Generic.List[string]]::new()
    foreach ($st in $ast.EndBlock.Statements) {
        if ($st -is [System.Management.Automation.Language.FunctionDefinitionAst]) { $functions.Add($st); continue }
        $statements.Add($st.Extent.Text)
        if ($st -is [System.Management.Automation.Language.AssignmentStatementAst] -and $st.Left -is [System.Management.Automation.Language.VariableExpressionAst] -and $st.Left.VariablePath.IsScript) {
            $defines.Add(($st.Left.VariablePath.UserPath -replace '^script:', ''))
        }
    }
    # Commands inside attributes ([ArgumentCompleter({...})]) run on Tab and load their own chunk.
    $inAttribute = { param($n) for ($p = $n.Parent; $p; $p = $p.Parent) { if ($p -is [System.Management.Automation.Language.AttributeAst]) { return $true } }; $false }
    $used = @($ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.CommandAst] }, $true) |
            Where-Object { -not (& $inAttribute $_) } | ForEach-Object { $_.GetCommandName() } | Where-Object { $_ } | Sort-Object -Unique)
    $reads = @($ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.VariableExpressionAst] -and $n.VariablePath.IsScript }, $true) |
            ForEach-Object { $_.VariablePath.UserPath -replace '^script:', '' } | Sort-Object -Unique)
    [pscustomobject]@{ Functions = $functions; Statements = $statements; Defines = $defines; Needs = @($used) + @($reads | ForEach-Object { "`$$_" }) }
}

function ConvertTo-ScriptScoped {
    # `function Name` -> `function script:Name`: a chunk is dot-sourced from the loader function,
    # and its functions must land in the module's scope, not the loader's.
    param($FunctionAst)
    $text = $FunctionAst.Extent.Text
    return [regex]::Replace($text, '^(function|filter)\s+', '$1 script:', 'IgnoreCase')
}

function Get-BodyBlocks {
    <#
    A public function's begin/process/end blocks as text, for the chunk to keep as script blocks
    that the stub dot-sources in its own scope: one function, one parameter binding per call (a
    stub forwarding to a second function bound every first call twice, ~7 ms for Connect-AzAccount).
    In a dot-sourced block $PSBoundParameters and $MyInvocation are the block's own, so the
    function's are read through $PSCmdlet.MyInvocation instead; $args and $input have no such
    stand-in and are refused.
    #>
    param($FunctionAst)
    $body = $FunctionAst.Body
    if ($body.DynamicParamBlock) { throw "Public function $($FunctionAst.Name): a dynamicparam block is not supported." }
    $blocks = [System.Collections.Generic.List[object]]::new()
    foreach ($kind in 'Begin', 'Process', 'End') {
        $block = $body.($kind + 'Block')
        if ($null -eq $block) { continue }
        $start = $block.Extent.StartOffset
        $text = $block.Extent.Text
        if ($block.Unnamed) {
            # An unnamed (end) block's extent starts with the param block: keep what follows it.
            $cut = $body.ParamBlock.Extent.EndOffset - $start
            if ($cut -gt 0) { $start += $cut; $text = $text.Substring($cut) }
        }
        else {
            # 'process { ... }' -> what is between the braces
            $open = $text.IndexOf('{') + 1
            $start += $open
            $text = $text.Substring($open, $text.LastIndexOf('}') - $open)
        }
        # Automatic variables of the function itself (not of script blocks nested in it).
        $own = @($block.FindAll({ param($n) $n -is [System.Management.Automation.Language.VariableExpressionAst] }, $true) | Where-Object {
                $p = $_.Parent; while ($p -isnot [System.Management.Automation.Language.ScriptBlockAst]) { $p = $p.Parent }
                [object]::ReferenceEquals($p, $body) } | Sort-Object { $_.Extent.StartOffset } -Descending)
        foreach ($v in $own) {
            $name = $v.VariablePath.UserPath
            $with = $null
            if ($name -eq 'PSBoundParameters') { $with = '$PSCmdlet.MyInvocation.BoundParameters' }
            elseif ($name -eq 'MyInvocation') { $with = '$PSCmdlet.MyInvocation' }
            elseif ($name -in 'args', 'input') { throw "Public function $($FunctionAst.Name): `$$name cannot be used in a public function's body (it runs dot-sourced from the stub)." }
            if ($null -eq $with -or $v.Splatted) {
                if ($null -ne $with) { throw "Public function $($FunctionAst.Name): splat `$PSCmdlet.MyInvocation.BoundParameters through a variable instead of @$name." }
                continue
            }
            $at = $v.Extent.StartOffset - $start
            $text = $text.Substring(0, $at) + $with + $text.Substring($at + $v.Extent.Text.Length)
        }
        $blocks.Add([pscustomobject]@{ Kind = $kind.ToLowerInvariant(); Text = $text })
    }
    return $blocks
}

function ConvertTo-MinifiedScript {
    <#
    The script with its comments, indentation and blank lines taken out, token by token, so string
    and here-string contents stay as they are. Import and first-call cost grows with the text
    PowerShell reads (parse, then a scan of the whole text when it compiles a file: ~1.5 ms per KB
    in a new process, comments included), and the sources' comments are for readers of Private/
    and Public/, not for PowerShell.
    #>
    param([string]$Text)
    $tokens = $null; $errors = $null
    $null = [System.Management.Automation.Language.Parser]::ParseInput($Text, [ref]$tokens, [ref]$errors)
    if ($errors) { throw "Cannot minify: $($errors[0])" }
    $out = [System.Text.StringBuilder]::new($Text.Length)
    $lastEnd = 0          # end offset of the last token kept or dropped
    $lineStart = $true    # nothing written on the current output line yet
    $pendingSpace = $false
    foreach ($t in $tokens) {
        $kind = $t.Kind
        if ($kind -eq 'EndOfInput') { break }
        $gap = $t.Extent.StartOffset -gt $lastEnd
        if ($kind -eq 'Comment') {
            if ($t.Text -notmatch '^#\s*(requires\s|\.ExternalHelp\s)') {
                # A dropped comment still separates the tokens around it.
                if (-not $lineStart) { $pendingSpace = $true }
                $lastEnd = $t.Extent.EndOffset
                continue
            }
        }
        if ($kind -eq 'NewLine') {
            if (-not $lineStart) { $null = $out.Append("`n") }
            $lineStart = $true; $pendingSpace = $false
            $lastEnd = $t.Extent.EndOffset
            continue
        }
        if (-not $lineStart -and ($gap -or $pendingSpace)) { $null = $out.Append(' ') }
        if ($kind -eq 'LineContinuation') {
            $null = $out.Append('`').Append("`n"); $lineStart = $true
        }
        else {
            $null = $out.Append($t.Text); $lineStart = $false
        }
        $pendingSpace = $false
        $lastEnd = $t.Extent.EndOffset
    }
    return $out.ToString().TrimEnd() + "`n"
}

function Write-HelpFile {
    # MAML help for the public functions (en-US/AzRs-help.xml beside the psm1), from their comment
    # help and their parameter metadata: what Get-Help would show for the functions with their
    # comment help in place. Parameters without a .PARAMETER text get their HelpMessage.
    param([object[]]$Functions, [string]$Path)
    $common = [System.Collections.Generic.HashSet[string]]::new([string[]]([System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters), [System.StringComparer]::OrdinalIgnoreCase)
    $ns = @{ maml = 'http://schemas.microsoft.com/maml/2004/10'; command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'; dev = 'http://schemas.microsoft.com/maml/dev/2004/10' }
    $settings = [System.Xml.XmlWriterSettings]::new()
    $settings.Indent = $true
    $settings.Encoding = [System.Text.UTF8Encoding]::new($false)
    $null = New-Item -ItemType Directory -Force -Path (Split-Path $Path)
    $w = [System.Xml.XmlWriter]::Create($Path, $settings)
    $para = { param($prefix, $name, $text) $w.WriteStartElement($prefix, $name, $ns[$prefix]); foreach ($line in ([string]$text).Trim() -split '\r?\n\s*\r?\n') { $w.WriteElementString('maml', 'para', $ns.maml, ($line -replace '\s*\r?\n\s*', ' ').Trim()) }; $w.WriteEndElement() }
    $w.WriteStartElement('helpItems', 'http://msh')
    $w.WriteAttributeString('schema', 'maml')
    foreach ($fn in $Functions) {
        # The full function, defined in a scratch module, for PowerShell's own view of its parameters.
        $module = New-Module -ScriptBlock ([scriptblock]::Create($fn.Extent.Text)) -Name "AzRsHelp$($fn.Name -replace '\W')"
        $command = $module.ExportedFunctions[$fn.Name]
        $help = $fn.GetHelpContent()
        $verb, $noun = $fn.Name -split '-', 2
        $w.WriteStartElement('command', 'command', $ns.command)
        $w.WriteAttributeString('xmlns', 'maml', $null, $ns.maml)
        $w.WriteAttributeString('xmlns', 'dev', $null, $ns.dev)
        $w.WriteStartElement('command', 'details', $ns.command)
        $w.WriteElementString('command', 'name', $ns.command, $fn.Name)
        & $para 'maml' 'description' $help.Synopsis
        $w.WriteElementString('command', 'verb', $ns.command, $verb)
        $w.WriteElementString('command', 'noun', $ns.command, $noun)
        $w.WriteEndElement()
        & $para 'maml' 'description' $(if ($help.Description) { $help.Description } else { $help.Synopsis })
        $w.WriteStartElement('command', 'syntax', $ns.command)
        $sets = @($command.ParameterSets | Sort-Object { -not $_.IsDefault })
        foreach ($set in $sets) {
            $w.WriteStartElement('command', 'syntaxItem', $ns.command)
            $w.WriteElementString('maml', 'name', $ns.maml, $fn.Name)
            foreach ($p in @($set.Parameters | Where-Object { -not $common.Contains($_.Name) } | Sort-Object { if ($_.Position -ge 0) { $_.Position } else { [int]::MaxValue } })) {
                $w.WriteStartElement('command', 'parameter', $ns.command)
                $w.WriteAttributeString('required', ([string]$p.IsMandatory).ToLowerInvariant())
                $w.WriteAttributeString('position', $(if ($p.Position -ge 0) { [string]$p.Position } else { 'named' }))
                $w.WriteElementString('maml', 'name', $ns.maml, $p.Name)
                if ($p.ParameterType -ne [switch]) {
                    $w.WriteStartElement('command', 'parameterValue', $ns.command)
                    $w.WriteAttributeString('required', 'true')
                    $w.WriteString($p.ParameterType.Name)
                    $w.WriteEndElement()
                }
                $w.WriteEndElement()
            }
            $w.WriteEndElement()
        }
        $w.WriteEndElement()
        $w.WriteStartElement('command', 'parameters', $ns.command)
        foreach ($meta in @($command.Parameters.Values | Where-Object { -not $common.Contains($_.Name) })) {
            $inSets = @($sets | ForEach-Object { $_.Parameters | Where-Object Name -EQ $meta.Name })
            $pipeline = @(if (@($inSets | Where-Object ValueFromPipeline).Count) { 'ByValue' }; if (@($inSets | Where-Object ValueFromPipelineByPropertyName).Count) { 'ByPropertyName' })
            $position = @($inSets | Where-Object { $_.Position -ge 0 } | ForEach-Object Position | Select-Object -First 1)
            $w.WriteStartElement('command', 'parameter', $ns.command)
            $w.WriteAttributeString('required', ([string][bool]@($inSets | Where-Object IsMandatory).Count).ToLowerInvariant())
            $w.WriteAttributeString('position', $(if ($position.Count) { [string]$position[0] } else { 'named' }))
            $w.WriteAttributeString('pipelineInput', $(if ($pipeline.Count) { 'True (' + ($pipeline -join ', ') + ')' } else { 'False' }))
            $w.WriteAttributeString('aliases', $(if ($meta.Aliases.Count) { $meta.Aliases -join ', ' } else { 'none' }))
            $w.WriteAttributeString('globbing', 'false')
            $w.WriteElementString('maml', 'name', $ns.maml, $meta.Name)
            $text = $null
            if ($help.Parameters) { $text = $help.Parameters[$meta.Name.ToUpperInvariant()] }
            if (-not $text) { $text = @($meta.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.HelpMessage } | ForEach-Object HelpMessage | Select-Object -First 1) -join '' }
            & $para 'maml' 'description' $text
            if ($meta.ParameterType -ne [switch]) {
                $w.WriteStartElement('command', 'parameterValue', $ns.command)
                $w.WriteAttributeString('required', 'true')
                $w.WriteString($meta.ParameterType.Name)
                $w.WriteEndElement()
            }
            $w.WriteStartElement('dev', 'type', $ns.dev)
            $w.WriteElementString('maml', 'name', $ns.maml, $meta.ParameterType.FullName)
            $w.WriteEndElement()
            $default = @($fn.Body.ParamBlock.Parameters | Where-Object { $_.Name.VariablePath.UserPath -eq $meta.Name -and $null -ne $_.DefaultValue })
            $w.WriteElementString('dev', 'defaultValue', $ns.dev, $(if ($default.Count) { $default[0].DefaultValue.Extent.Text } else { 'None' }))
            $w.WriteEndElement()
        }
        $w.WriteEndElement()
        $outputs = @($fn.Body.ParamBlock.Attributes | Where-Object { $_.TypeName.Name -eq 'OutputType' } | ForEach-Object { $_.PositionalArguments } | ForEach-Object { if ($_ -is [System.Management.Automation.Language.TypeExpressionAst]) { $_.TypeName.FullName } else { $_.SafeGetValue() } })
        if ($outputs.Count) {
            $w.WriteStartElement('command', 'returnValues', $ns.command)
            foreach ($o in $outputs) {
                $w.WriteStartElement('command', 'returnValue', $ns.command)
                $w.WriteStartElement('dev', 'type', $ns.dev)
                $w.WriteElementString('maml', 'name', $ns.maml, [string]$o)
                $w.WriteEndElement()
                $w.WriteEndElement()
            }
            $w.WriteEndElement()
        }
        if ($help.Notes) {
            $w.WriteStartElement('maml', 'alertSet', $ns.maml)
            & $para 'maml' 'alert' $help.Notes
            $w.WriteEndElement()
        }
        if ($help.Examples.Count) {
            $w.WriteStartElement('command', 'examples', $ns.command)
            $n = 0
            foreach ($example in $help.Examples) {
                $n++
                # An example's first line is its code; what follows a blank line explains it.
                $code, $remarks = ([string]$example).Trim() -split '\r?\n\s*\r?\n', 2
                $w.WriteStartElement('command', 'example', $ns.command)
                $w.WriteElementString('maml', 'title', $ns.maml, "-------------------------- EXAMPLE $n --------------------------")
                $w.WriteElementString('dev', 'code', $ns.dev, $code.Trim())
                & $para 'dev' 'remarks' $remarks
                $w.WriteEndElement()
            }
            $w.WriteEndElement()
        }
        $w.WriteEndElement()
        Remove-Module $module
    }
    $w.WriteEndElement()
    $w.Dispose()
}

function Build-Module {
    <#
    Import cost is mostly PowerShell parsing the module, so import parses only what Get-Command
    and tab completion need: each public function's attributes and param block, with a small body
    that loads the real blocks on first call and runs them (help is in a MAML file, written by
    Write-HelpFile from the comment help). Real bodies and private helpers
    go to ps-module/lib/<chunk>.ps1 (one chunk per public command and per private file), loaded
    with the chunks they depend on (worked out here from the commands each one calls and the
    script variables it reads). Tab completion is in [ArgumentCompleter()] attributes:
    Register-ArgumentCompleter costs ~40 ms at import.
    #>
    $lib = Join-Path $moduleDir 'lib'
    if (Test-Path $lib) { Remove-Item -Recurse -Force $lib }
    $null = New-Item -ItemType Directory -Path $lib
    $utf8Bom = [System.Text.UTF8Encoding]::new($true)
    $header = "# Generated by build.ps1 from ps-module/Private and Public. Do not edit.`n"

    $chunkOf = @{}     # function name, or script variable, -> chunk defining it
    $usedBy = @{}      # chunk -> command and script variable names it uses
    $chunkText = @{}   # chunk -> its statements and functions (text)
    $stubs = [System.Collections.Generic.List[object]]::new()
    # A chunk's top-level statements (script variables) run when it loads, before any function of
    # a chunk that depends on it: dependencies follow the script variables a chunk reads too.
    foreach ($file in Get-ChildItem (Join-Path $moduleDir 'Private') -Filter *.ps1 | Sort-Object Name) {
        $parts = Get-TopLevelParts $file.FullName
        $chunk = $file.BaseName
        $usedBy[$chunk] = $parts.Needs
        foreach ($v in $parts.Defines) { $chunkOf["`$$v"] = $chunk }
        $chunkText[$chunk] = @($parts.Statements) + @(foreach ($f in $parts.Functions) { $chunkOf[$f.Name] = $chunk; ConvertTo-ScriptScoped $f })
    }
    $exported = [System.Collections.Generic.List[string]]::new()
    foreach ($file in Get-ChildItem (Join-Path $moduleDir 'Public') -Filter *.ps1 | Sort-Object Name) {
        $parts = Get-TopLevelParts $file.FullName
        $fn = @($parts.Functions | Where-Object Name -EQ $file.BaseName)
        if ($fn.Count -ne 1 -or $parts.Functions.Count -ne 1) { throw "Public/$($file.Name) must define exactly one function, $($file.BaseName)." }
        $fn = $fn[0]
        if ($null -eq $fn.Body.ParamBlock) { throw "Public/$($file.Name): a public function needs a param block." }
        $chunk = $fn.Name
        $chunkOf[$chunk] = $chunk
        $usedBy[$chunk] = $parts.Needs
        # Aliases are [Alias()] attributes of the function, so the stub makes them at import; a
        # top-level Set-Alias would run only with the chunk, on first call.
        if (@($parts.Statements | Where-Object { $_ -match '^(Set|New)-Alias\s' }).Count) { throw "Public/$($file.Name): declare aliases with [Alias()] on the function, not Set-Alias." }
        $variable = 'AzRs_' + $fn.Name.Replace('-', '_') + '_'
        $blocks = @(Get-BodyBlocks $fn)
        $chunkText[$chunk] = @($parts.Statements) + @(foreach ($b in $blocks) { "`$script:$variable$($b.Kind) = {$($b.Text)}" })
        $stubs.Add([pscustomobject]@{ Name = $fn.Name; Ast = $fn; Head = $fn.Extent.Text.Substring(0, $fn.Body.ParamBlock.Extent.EndOffset - $fn.Extent.StartOffset); Variable = $variable; Blocks = @($blocks.Kind) })
        $exported.Add($fn.Name)
    }

    # Each chunk starts by loading the chunks holding the functions it calls and the script
    # variables it reads, so the psm1 carries no dependency table for import to build.
    foreach ($chunk in $chunkText.Keys) {
        $needs = @($usedBy[$chunk] | Where-Object { $chunkOf.ContainsKey($_) -and $chunkOf[$_] -ne $chunk } | ForEach-Object { $chunkOf[$_] } | Sort-Object -Unique)
        $text = @($chunkText[$chunk])
        if ($needs.Count) { $text = @('Import-AzRsChunk ' + (($needs | ForEach-Object { "'$_'" }) -join ', ')) + $text }
        [System.IO.File]::WriteAllText((Join-Path $lib "$chunk.ps1"), $header + (ConvertTo-MinifiedScript ($text -join "`n`n")), $utf8Bom)
    }

    $psm1 = [System.Collections.Generic.List[string]]::new()
    $psm1.Add(@"
#region loader
# The module folder (ps-module/): code in lib/ has lib/ as its own `$PSScriptRoot.
`$script:AzRsModuleRoot = `$PSScriptRoot
`$script:AzRsChunksLoaded = @{}

function Import-AzRsChunk {
    # Loads chunks from lib/ into the module scope, once each; a chunk's first line loads the
    # chunks it needs. -All loads every chunk (tests and benchmarks that call private functions).
    param([string[]]`$Name, [switch]`$All)
    if (`$All) { `$Name = foreach (`$file in [System.IO.Directory]::GetFiles([System.IO.Path]::Combine(`$PSScriptRoot, 'lib'), '*.ps1')) { [System.IO.Path]::GetFileNameWithoutExtension(`$file) } }
    foreach (`$chunk in `$Name) {
        if (`$script:AzRsChunksLoaded.ContainsKey(`$chunk)) { continue }
        `$script:AzRsChunksLoaded[`$chunk] = `$true
        `$path = [System.IO.Path]::Combine(`$PSScriptRoot, 'lib', `$chunk + '.ps1')
        if (-not [System.IO.File]::Exists(`$path)) {
            `$script:AzRsChunksLoaded.Remove(`$chunk)
            `$ex = [System.IO.FileNotFoundException]::new("The AzRs module file '`$path' is missing. Rebuild with ./build.ps1 or reinstall the module.", `$path)
            throw [System.Management.Automation.ErrorRecord]::new(`$ex, 'AzRsModuleFileMissing', [System.Management.Automation.ErrorCategory]::ResourceUnavailable, `$path)
        }
        . `$path
    }
}


function Invoke-AzRsLazy {
    # Calls a function of a chunk that loads only now: rare paths (prompts, certificate signing)
    # that the common first call of a command should not have to parse. build.ps1 sees only this
    # call, not the command named in the string.
    param([string]`$Chunk, [string]`$Command, [hashtable]`$Parameters)
    Import-AzRsChunk `$Chunk
    & `$Command @Parameters
}
#endregion
"@)
    foreach ($stub in $stubs) {
        # Help is in the MAML file Write-HelpFile makes (the minifier drops comment help).
        $psm1.Add(($stub.Head -replace '^(function\s+\S+\s*\{)', ('$1' + "`n    # .ExternalHelp AzRs-help.xml")))
        # The body's blocks are script blocks of the chunk, loaded on first call and dot-sourced here
        # on every call, so the stub is the command for good (Get-BodyBlocks says why).
        $first = "`$script:$($stub.Variable)$($stub.Blocks[0])"
        $psm1.Add("    begin {")
        $psm1.Add("        if (`$null -eq $first) { Import-AzRsChunk '$($stub.Name)' }")
        if ($stub.Blocks -contains 'begin') { $psm1.Add("        . `$script:$($stub.Variable)begin") }
        $psm1.Add('    }')
        foreach ($kind in 'process', 'end') {
            if ($stub.Blocks -contains $kind) { $psm1.Add("    $kind { . `$script:$($stub.Variable)$kind }") }
        }
        $psm1.Add('}')
    }
    [System.IO.File]::WriteAllText((Join-Path $moduleDir 'AzRs.psm1'), $header + (ConvertTo-MinifiedScript ($psm1 -join "`n")), $utf8Bom)
    Write-HelpFile -Functions @($stubs | ForEach-Object Ast) -Path (Join-Path $moduleDir 'en-US/AzRs-help.xml')

    # Format views: one file per concern under Formats/, merged into the one FormatsToProcess names.
    $views = foreach ($file in Get-ChildItem (Join-Path $moduleDir 'Formats') -Filter *.Format.ps1xml | Sort-Object Name) {
        $xml = [xml][System.IO.File]::ReadAllText($file.FullName)
        foreach ($view in $xml.Configuration.ViewDefinitions.View) { $view.OuterXml }
    }
    $format = "<?xml version=`"1.0`" encoding=`"utf-8`"?>`n<!-- Generated by build.ps1 from ps-module/Formats. Do not edit. -->`n<Configuration>`n<ViewDefinitions>`n" + ($views -join "`n") + "`n</ViewDefinitions>`n</Configuration>`n"
    [System.IO.File]::WriteAllText((Join-Path $moduleDir 'AzRs.Format.ps1xml'), $format, $utf8Bom)
    Write-Host "==> assembled ps-module/AzRs.psm1 ($($exported.Count) public functions) and AzRs.Format.ps1xml"
}

function Invoke-Tests {
    $failures = [System.Collections.Generic.List[string]]::new()
    Push-Location $root
    try {
        try { Invoke-Native 'cargo test --release --workspace' { cargo test --release --workspace --locked } }
        catch { $failures.Add('cargo test') }

        # Independent clients (MSAL Python, azure-identity) against the emulator, in a throwaway venv.
        Write-Host '==> interop: tests/interop/run.sh (msal, azure-identity against the emulator)' -ForegroundColor Cyan
        if (Get-Command bash -ErrorAction SilentlyContinue) {
            & bash (Join-Path $root 'tests/interop/run.sh')
            if ($LASTEXITCODE -ne 0) { $failures.Add('interop') }
        }
        else { Write-Host '    bash not found: skipped' }

        Write-Host '==> Windows PowerShell 5.1 compatibility (Test-WinPS51)' -ForegroundColor Cyan
        $checker = Join-Path $root '../shared/winps51/Test-WinPS51.ps1'
        if (Test-Path $checker) {
            # -Command, not -File: -File would pass the two paths as one string.
            & pwsh -NoProfile -NonInteractive -Command "& '$checker' -Path '$(Join-Path $root 'ps-module')', '$(Join-Path $root 'AzRs.psd1')'" 
            if ($LASTEXITCODE -ne 0) { $failures.Add('Test-WinPS51') }
        }
        else { Write-Host "    ../shared/winps51 not found: skipped" }

        $paths = if ($PesterPath) { $PesterPath } else { @(Join-Path $root 'tests') }
        $pathList = ($paths | ForEach-Object { "'" + ($_ -replace "'", "''") + "'" }) -join ','
        $pester = @"
`$ErrorActionPreference = 'Stop'
Import-Module Pester -MinimumVersion 5.7
`$c = New-PesterConfiguration
`$c.Run.Path = @($pathList)
`$c.Run.Exit = `$true
`$c.Output.Verbosity = 'Detailed'
`$c.TestResult.Enabled = `$true
`$c.TestResult.OutputPath = '$((Join-Path $root 'testResults.xml') -replace "'", "''")'
Invoke-Pester -Configuration `$c
"@
        Write-Host '==> Pester (tests/)' -ForegroundColor Cyan
        & pwsh -NoProfile -NonInteractive -Command $pester
        if ($LASTEXITCODE -ne 0) { $failures.Add('Pester') }

        # Token cache and secret store against a real Secret Service (private D-Bus session with
        # gnome-keyring), including MSAL.NET's libsecret path. Exit 3 = packages missing.
        Write-Host '==> Keyring tests (tests/keyring/run.sh)' -ForegroundColor Cyan
        if ($IsLinux -and -not $PesterPath) {
            & bash (Join-Path $root 'tests/keyring/run.sh')
            if ($LASTEXITCODE -eq 3 -and -not $env:AZRS_REQUIRE_KEYRING) {
                Write-Host '    SKIPPED: gnome-keyring/dbus/libsecret not installed here (bash .ci/setup.sh installs them; CI runs these tests).' -ForegroundColor Yellow
            }
            elseif ($LASTEXITCODE -ne 0) { $failures.Add('keyring tests') }
        }
        else { Write-Host '    skipped (not Linux, or -PesterPath given)' }
    }
    finally { Pop-Location }
    if ($failures.Count -gt 0) { throw "Failed: $($failures -join ', ')." }
    Write-Host '==> all tests passed' -ForegroundColor Green
}

try {
    if (-not $SkipCargo) { Build-Engine }
    Build-Module
    if ($Test) { Invoke-Tests }
    if ($Demo) { & (Join-Path $root 'demo.ps1') }
}
catch {
    Write-Host "build.ps1: $($_.Exception.Message)" -ForegroundColor Red
    exit 1
}
exit 0
