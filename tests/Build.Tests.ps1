# build.ps1's code transforms, on their own: the minifier every generated file goes through, and
# the split of a public function into the body blocks its stub dot-sources.

BeforeAll {
    # The two functions, taken from build.ps1's AST (running build.ps1 would build the module).
    $ast = [System.Management.Automation.Language.Parser]::ParseFile((Join-Path $PSScriptRoot '../build.ps1'), [ref]$null, [ref]$null)
    foreach ($name in 'ConvertTo-MinifiedScript', 'Get-BodyBlocks') {
        $fn = $ast.Find({ param($n) $n -is [System.Management.Automation.Language.FunctionDefinitionAst] -and $n.Name -eq $name }, $true)
        . ([scriptblock]::Create($fn.Extent.Text))
    }
    function Get-Comments([string]$Text) {
        $tokens = $null
        $null = [System.Management.Automation.Language.Parser]::ParseInput($Text, [ref]$tokens, [ref]$null)
        @($tokens | Where-Object Kind -EQ 'Comment' | ForEach-Object Text)
    }
}

Describe 'ConvertTo-MinifiedScript' {
    It 'drops comments, indentation and blank lines and keeps what the script does' {
        $script = [System.IO.File]::ReadAllText((Join-Path $PSScriptRoot 'fixtures/build/minify-sample.ps1'))
        $min = ConvertTo-MinifiedScript $script
        $min.Length | Should -BeLessThan $script.Length
        Get-Comments $min | Should -Be @('#requires -Version 5.1')
        @($min -split '\r?\n' | Where-Object { $_ -match '^\s' }) | Should -Be @('    indented # kept', '        $Name', '  # also kept') -Because 'indentation goes, except inside here-strings'
        $min | Should -Not -Match '\n\s*\n'
        $expected = @(& ([scriptblock]::Create($script.Replace('#requires -Version 5.1', ''))))
        $actual = @(& ([scriptblock]::Create($min.Replace('#requires -Version 5.1', ''))))
        $actual.Count | Should -Be 4
        $actual | Should -Be $expected
        $actual[1] | Should -BeLike "    indented # kept*a # not a comment*  # also kept*|xy|3"
    }

    It 'keeps the .ExternalHelp line a stub needs for Get-Help' {
        $min = ConvertTo-MinifiedScript "function F {`n    # .ExternalHelp AzRs-help.xml`n    # other`n    [CmdletBinding()] param() 1 }"
        Get-Comments $min | Should -Be @('# .ExternalHelp AzRs-help.xml')
    }

    It 'refuses a script that does not parse rather than writing a broken one' {
        { ConvertTo-MinifiedScript 'function F { (' } | Should -Throw '*Cannot minify*'
    }
}

Describe 'Get-BodyBlocks' {
    BeforeAll {
        function Get-FunctionAst([string]$Text) {
            [System.Management.Automation.Language.Parser]::ParseInput($Text, [ref]$null, [ref]$null).Find({ param($n) $n -is [System.Management.Automation.Language.FunctionDefinitionAst] }, $true)
        }
    }

    It 'reads the function''s own $PSBoundParameters and $MyInvocation through $PSCmdlet, not those of nested blocks' {
        $fn = Get-FunctionAst @'
function Test-It {
    [CmdletBinding()] param([string]$Name)
    begin { $n = $MyInvocation.MyCommand.Name }
    process { if ($PSBoundParameters.ContainsKey('Name')) { $x = { $PSBoundParameters } } }
}
'@
        $blocks = @(Get-BodyBlocks $fn)
        $blocks.Kind | Should -Be @('begin', 'process')
        $blocks[0].Text | Should -Match '\$PSCmdlet\.MyInvocation\.MyCommand\.Name'
        $blocks[1].Text | Should -Match 'if \(\$PSCmdlet\.MyInvocation\.BoundParameters\.ContainsKey'
        $blocks[1].Text | Should -Match '\$x = \{ \$PSBoundParameters \}' -Because 'a nested script block has its own'
    }

    It 'runs like the function it came from when dot-sourced from a stub with the same param block' {
        $fn = Get-FunctionAst @'
function Test-It {
    [CmdletBinding()] param([Parameter(ValueFromPipeline)][string]$Name, [switch]$Loud)
    begin { $seen = @() }
    process { $seen += $Name }
    end { '{0}:{1}:{2}' -f ($seen -join ','), ($PSBoundParameters.Keys -join '+'), $MyInvocation.MyCommand.Name }
}
'@
        $blocks = @{}
        foreach ($b in Get-BodyBlocks $fn) { $blocks[$b.Kind] = [scriptblock]::Create($b.Text) }
        function Test-It {
            [CmdletBinding()] param([Parameter(ValueFromPipeline)][string]$Name, [switch]$Loud)
            begin { . $blocks.begin }
            process { . $blocks.process }
            end { . $blocks.end }
        }
        'a', 'b' | Test-It -Loud | Should -Be 'a,b:Loud+Name:Test-It'
    }

    It 'refuses $args, $input and splatting $PSBoundParameters in a public function''s body' {
        { Get-BodyBlocks (Get-FunctionAst 'function A { [CmdletBinding()] param() $args }') } | Should -Throw '*$args*'
        { Get-BodyBlocks (Get-FunctionAst 'function B { [CmdletBinding()] param() process { $input } }') } | Should -Throw '*$input*'
        { Get-BodyBlocks (Get-FunctionAst 'function C { [CmdletBinding()] param() Get-Thing @PSBoundParameters }') } | Should -Throw '*splat*'
    }
}
