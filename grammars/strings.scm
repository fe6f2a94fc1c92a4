; Every string literal (the same node name in each grammar). Run only on files that mention an
; AWS host, to find hard-coded AWS URLs.
(string) @string
