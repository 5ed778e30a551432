package workerd

import "syscall"

// sysProcAttr puts workerd in its own process group (a Ctrl-C reaches
// valet, which stops workerd in order) and has the kernel kill it if valet
// dies without stopping it (kill -9), so no runtime outlives its edge.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
