function Get-AzAccessToken {
    <#
    .SYNOPSIS
        Gets an access token for the current account (Az 5.x shape: Token is a SecureString).
    .DESCRIPTION
        Silent only: a cached token with more than 5 minutes left, else the refresh token or the
        stored credential. When that needs a person, the error says to run Connect-AzAccount.
    #>
    [CmdletBinding(DefaultParameterSetName = 'KnownResourceTypeName')]
    [OutputType('Microsoft.Azure.Commands.Profile.Models.PSSecureAccessToken')]
    param(
        [Parameter(ParameterSetName = 'KnownResourceTypeName')]
        [ValidateSet('AadGraph', 'AnalysisServices', 'AppConfiguration', 'Arm', 'Attestation', 'Batch', 'CommunicationEmail', 'DataLake', 'KeyVault', 'ManagedHsm', 'MSGraph', 'OperationalInsights', 'ResourceManager', 'Storage', 'Synapse')]
        [string]$ResourceTypeName,
        [Parameter(ParameterSetName = 'ResourceUrl', Mandatory = $true)]
        [Alias('Resource', 'ResourceUri')][string]$ResourceUrl,
        [string]$TenantId,
        # A no-op since Az.Accounts 5.0: the token is always a SecureString.
        [switch]$AsSecureString
    )
    # Fast path: one engine call returning "token\nexpiresOn\ntenant\nuser" (no JSON parsing);
    # without parameters, the request bytes are built once per session.
    $request = $script:AzRsTokenRequest
    $arguments = $script:AzRsTokenArguments
    if ($ResourceUrl -or $ResourceTypeName -or $TenantId) {
        $arguments = @{ compact = $true }
        if ($ResourceUrl) { $arguments.resourceUrl = $ResourceUrl }
        if ($ResourceTypeName) { $arguments.resourceTypeName = $ResourceTypeName }
        if ($TenantId) { $arguments.tenantId = $TenantId }
        $request = ConvertTo-AzRsRequest -Op 'auth.token' -Arguments $arguments
    }
    # The P/Invoke inline (Invoke-AzRsNative's hot path without its call): this cmdlet is called in
    # loops, and a function call costs about a sixth of it.
    if ($null -eq $script:AzRsNative) { Initialize-AzRsNativeFor $PSCmdlet }
    $environ = Get-AzRsEnvironmentBlock
    $outPtr = [IntPtr]::Zero
    $outLen = [UIntPtr]::Zero
    $rc = $script:AzRsNative::azrs_call($request, [UIntPtr]::new([uint64]$request.Length), $environ, [UIntPtr]::new([uint64]$environ.Length), [ref]$outPtr, [ref]$outLen)
    $raw = ''
    if ($outPtr -ne [IntPtr]::Zero) {
        try {
            $buffer = [byte[]]::new([int]$outLen.ToUInt64())
            [System.Runtime.InteropServices.Marshal]::Copy($outPtr, $buffer, 0, $buffer.Length)
            $raw = [System.Text.Encoding]::UTF8.GetString($buffer)
        }
        finally { $script:AzRsNative::azrs_buffer_free($outPtr, $outLen) }
    }
    if ($rc -ne 0) {
        try { Submit-AzRsError -Json $raw -ReturnCode $rc }
        catch {
            if ($_.FullyQualifiedErrorId -notlike 'NeedsPowerShellSigning*') { $PSCmdlet.ThrowTerminatingError($_) }
            # Certificates from the .NET store or a PFX: PowerShell signs, so it runs as an operation.
            $raw = Invoke-AzRsLazy 'SignIn' 'Get-AzRsTokenWithSigning' @{ Arguments = $arguments; Cmdlet = $PSCmdlet }
        }
    }
    $parts = $raw.Substring(1, $raw.Length - 2).Split($script:AzRsTokenSeparator, [System.StringSplitOptions]::None)
    [pscustomobject]@{
        PSTypeName = 'Microsoft.Azure.Commands.Profile.Models.PSSecureAccessToken'
        Token      = [System.Net.NetworkCredential]::new('', $parts[0]).SecurePassword
        ExpiresOn  = [DateTimeOffset]::FromUnixTimeSeconds([long]$parts[1])
        TenantId   = $parts[2]
        UserId     = $parts[3]
        Type       = 'Bearer'
    }
}

$script:AzRsTokenArguments = @{ compact = $true }
$script:AzRsTokenRequest = [System.Text.Encoding]::UTF8.GetBytes('{"op":"auth.token","args":{"compact":true}}')
$script:AzRsTokenSeparator = [string[]]@('\n')
