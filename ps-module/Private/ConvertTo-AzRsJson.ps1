# A small JSON writer for requests: faster than ConvertTo-Json for the flat hashtables cmdlets
# send, identical on Windows PowerShell 5.1 and PowerShell 7, and never limited by -Depth.

# Characters that force the slow, escaping path for a string.
$script:AzRsJsonSpecial = [char[]](@(0..31) + 34 + 92)

function ConvertTo-AzRsJson {
    param($Value)
    $sb = [System.Text.StringBuilder]::new(256)
    Add-AzRsJsonValue -Builder $sb -Value $Value
    return $sb.ToString()
}

function Add-AzRsJsonString {
    param([System.Text.StringBuilder]$Builder, [string]$Text)
    $null = $Builder.Append('"')
    if ($Text.IndexOfAny($script:AzRsJsonSpecial) -ge 0) {
        foreach ($ch in $Text.ToCharArray()) {
            $code = [int]$ch
            if ($ch -eq '"') { $null = $Builder.Append('\"') }
            elseif ($ch -eq '\') { $null = $Builder.Append('\\') }
            elseif ($code -lt 0x20) { $null = $Builder.Append('\u').Append($code.ToString('x4')) }
            else { $null = $Builder.Append($ch) }
        }
    }
    else {
        $null = $Builder.Append($Text)
    }
    $null = $Builder.Append('"')
}

function Add-AzRsJsonObject {
    # A dictionary as a JSON object. Its own small function: ConvertTo-AzRsRequest calls it for
    # every request with arguments, and a first sign-in would otherwise compile all of
    # Add-AzRsJsonValue (~10 ms) for flat strings, booleans and ints.
    param([System.Text.StringBuilder]$Builder, [System.Collections.IDictionary]$Dictionary)
    $null = $Builder.Append('{')
    $first = $true
    foreach ($key in $Dictionary.get_Keys()) {  # get_Keys(): an entry named "keys" would shadow .Keys
        if (-not $first) { $null = $Builder.Append(',') }
        $first = $false
        $name = [string]$key
        if ($name.IndexOfAny($script:AzRsJsonSpecial) -lt 0) { $null = $Builder.Append('"').Append($name).Append('":') }
        else { Add-AzRsJsonString -Builder $Builder -Text $name; $null = $Builder.Append(':') }
        $item = $Dictionary[$key]
        # Plain strings, null, booleans and ints inline: a function call costs more than the rest.
        if ($item -is [string] -and $item.IndexOfAny($script:AzRsJsonSpecial) -lt 0) { $null = $Builder.Append('"').Append($item).Append('"') }
        elseif ($null -eq $item) { $null = $Builder.Append('null') }
        elseif ($item -is [bool]) { if ($item) { $null = $Builder.Append('true') } else { $null = $Builder.Append('false') } }
        elseif ($item -is [int]) { $null = $Builder.Append($item.ToString([System.Globalization.CultureInfo]::InvariantCulture)) }
        else { Add-AzRsJsonValue -Builder $Builder -Value $item }
    }
    $null = $Builder.Append('}')
}

function Add-AzRsJsonValue {
    param([System.Text.StringBuilder]$Builder, $Value)
    if ($null -eq $Value) { $null = $Builder.Append('null'); return }
    if ($Value -is [string] -or $Value -is [char] -or $Value -is [guid] -or $Value -is [uri] -or $Value -is [enum]) {
        Add-AzRsJsonString -Builder $Builder -Text ([string]$Value); return
    }
    if ($Value -is [bool] -or $Value -is [System.Management.Automation.SwitchParameter]) {
        if ([bool]$Value) { $null = $Builder.Append('true') } else { $null = $Builder.Append('false') }
        return
    }
    if ($Value -is [int] -or $Value -is [long] -or $Value -is [uint32] -or $Value -is [uint64] -or $Value -is [int16] -or $Value -is [byte]) {
        $null = $Builder.Append($Value.ToString([System.Globalization.CultureInfo]::InvariantCulture)); return
    }
    if ($Value -is [double] -or $Value -is [single] -or $Value -is [decimal]) {
        $null = $Builder.Append($Value.ToString('R', [System.Globalization.CultureInfo]::InvariantCulture)); return
    }
    if ($Value -is [datetime]) {
        Add-AzRsJsonString -Builder $Builder -Text $Value.ToUniversalTime().ToString('o'); return
    }
    if ($Value -is [datetimeoffset]) {
        Add-AzRsJsonString -Builder $Builder -Text $Value.ToString('o'); return
    }
    if ($Value -is [System.Collections.IDictionary]) { Add-AzRsJsonObject -Builder $Builder -Dictionary $Value; return }
    if ($Value -is [System.Management.Automation.PSCustomObject]) {
        $null = $Builder.Append('{')
        $first = $true
        foreach ($prop in $Value.PSObject.Properties) {
            if (-not $first) { $null = $Builder.Append(',') }
            $first = $false
            Add-AzRsJsonString -Builder $Builder -Text $prop.Name
            $null = $Builder.Append(':')
            Add-AzRsJsonValue -Builder $Builder -Value $prop.Value
        }
        $null = $Builder.Append('}')
        return
    }
    if ($Value -is [System.Collections.IEnumerable]) {
        $null = $Builder.Append('[')
        $first = $true
        foreach ($item in $Value) {
            if (-not $first) { $null = $Builder.Append(',') }
            $first = $false
            if ($item -is [string] -and $item.IndexOfAny($script:AzRsJsonSpecial) -lt 0) { $null = $Builder.Append('"').Append($item).Append('"') }
            else { Add-AzRsJsonValue -Builder $Builder -Value $item }
        }
        $null = $Builder.Append(']')
        return
    }
    Add-AzRsJsonString -Builder $Builder -Text ([string]$Value)
}
