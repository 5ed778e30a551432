//go:build !unix

package workerd

import "syscall"

func sysProcAttr() *syscall.SysProcAttr { return nil }
