package devserver

// DevCF is request.cf in valet dev: miniflare's fallback object, what
// `wrangler dev` gives when it does not fetch Cloudflare's, so that code
// reading request.cf.country or .colo behaves as under wrangler dev.
const DevCF = `{"asOrganization":"Cloudflare","asn":395747,"colo":"DFW","city":"Austin","region":"Texas","regionCode":"TX",` +
	`"metroCode":"635","postalCode":"78701","country":"US","continent":"NA","timezone":"America/Chicago",` +
	`"latitude":"30.27130","longitude":"-97.74260","clientTcpRtt":0,"httpProtocol":"HTTP/1.1",` +
	`"requestPriority":"weight=192;exclusive=0","tlsCipher":"AEAD-AES128-GCM-SHA256","tlsVersion":"TLSv1.3",` +
	`"edgeRequestKeepAliveStatus":1,"clientAcceptEncoding":"gzip, deflate, br",` +
	`"tlsClientAuth":{"certPresented":"0","certVerified":"NONE","certRevoked":"0","certIssuerDN":"","certSubjectDN":"",` +
	`"certIssuerDNRFC2253":"","certSubjectDNRFC2253":"","certIssuerDNLegacy":"","certSubjectDNLegacy":"","certSerial":"",` +
	`"certIssuerSerial":"","certSKI":"","certIssuerSKI":"","certFingerprintSHA1":"","certFingerprintSHA256":"",` +
	`"certNotBefore":"","certNotAfter":""},"tlsClientRandom":"","tlsClientHelloLength":"","tlsClientExtensionsSha1":"",` +
	`"botManagement":{"corporateProxy":false,"verifiedBot":false,"jsDetection":{"passed":false},"staticResource":false,` +
	`"detectionIds":{},"score":99}}`
