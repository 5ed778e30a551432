module prog

go 1.22
