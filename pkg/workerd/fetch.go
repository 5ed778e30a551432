package workerd

// FetchFromRegistry returns Locate's Fetch: it downloads workerd's npm
// package for this platform through the npm registry that the npm
// configuration of dir names.
func FetchFromRegistry(dir string) func(version, dest string) error {
	return nil
}
