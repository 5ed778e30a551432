// The internal half of "cloudflare:email" (its EmailMessage class), which
// workerd leaves to the host: a message is its envelope and raw content,
// which the send_email binding reads under a well-known key.
class EmailMessage {
	constructor(from, to, raw) {
		return { from, to, "EmailMessage::raw": raw };
	}
}
export default { EmailMessage };
