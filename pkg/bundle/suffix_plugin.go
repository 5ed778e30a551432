package bundle

const (
	rawNamespace = "valet-raw"
	urlNamespace = "valet-url"
)
