# imp, after Exchange said it could not find a name or an address: what is close to it, so that the
# error can suggest the right value. Read-only.
# Input ($Parameters): value (what was given), kind ('mailbox' or 'group').
# Output: matches (up to five recipients found by ambiguous name resolution), userWithoutMailbox.

$value = [string]$Parameters.value
# ANR matches the start of the name, display name, first and last name, alias and SMTP addresses;
# for an address, the part before @ is what it can match.
$anr = $value
if ($Parameters.kind -eq 'mailbox' -and $value.Contains('@')) { $anr = $value.Substring(0, $value.IndexOf('@')) }

# Suggestions are a courtesy: when a lookup fails, the original error is still reported.
$nearby = @()
if ($anr.Trim()) {
    try {
        $nearby = @(Get-Recipient -Anr $anr -ResultSize 5 -ErrorAction Stop | ForEach-Object {
                $smtp = $null
                if ($_.PrimarySmtpAddress) { $smtp = [string]$_.PrimarySmtpAddress }
                [pscustomobject]@{ name = [string]$_.Name; primarySmtpAddress = $smtp; recipientTypeDetails = [string]$_.RecipientTypeDetails }
            })
    }
    catch { $nearby = @() }
}

# An account that exists in AD without a mailbox: Get-User finds it (by UPN, for instance); Get-Mailbox does not.
$userWithoutMailbox = $null
if ($Parameters.kind -eq 'mailbox') {
    $user = $null
    try { $user = Get-User -Identity $value -ErrorAction Stop } catch { $user = $null }
    if ($user -and [string]$user.RecipientTypeDetails -eq 'User') {
        $userWithoutMailbox = [pscustomobject]@{ name = [string]$user.Name; userPrincipalName = [string]$user.UserPrincipalName }
    }
}

[pscustomobject]@{ matches = @($nearby); userWithoutMailbox = $userWithoutMailbox }
