# bash completion for urlfan(1)
_urlfan()
{
	local cur prev
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	case $prev in
	-i|--input|-d|--data|--data-binary|--json|--cacert|--unix-socket|--save-unfinished|\
	--skip-done|-b|--cookie|--netrc-file|-E|--cert|--key|\
	--proxy-cacert|--crlfile|-c|--cookie-jar|--report-junit|--report-markdown|-K|--config)
		COMPREPLY=($(compgen -f -- "$cur")); return ;;
	-O|--output-dir|--capath)
		COMPREPLY=($(compgen -d -- "$cur")); return ;;
	--format)
		COMPREPLY=($(compgen -W "text ndjson json body" -- "$cur")); return ;;
	--order)
		COMPREPLY=($(compgen -W "completion input" -- "$cur")); return ;;
	--shard-by)
		COMPREPLY=($(compgen -W "index host" -- "$cur")); return ;;
	-p|--per-host)
		COMPREPLY=($(compgen -W "auto" -- "$cur")); return ;;
	--tls-max)
		COMPREPLY=($(compgen -W "default 1.0 1.1 1.2 1.3" -- "$cur")); return ;;
	--color)
		COMPREPLY=($(compgen -W "auto always never" -- "$cur")); return ;;
	--cert-type)
		COMPREPLY=($(compgen -W "PEM DER P12" -- "$cur")); return ;;
	-X|--request)
		COMPREPLY=($(compgen -W "GET HEAD POST PUT PATCH DELETE OPTIONS" -- "$cur")); return ;;
	-j|--parallel|-H|--header|-A|--user-agent|-u|--user|-x|--proxy|\
	--resolve|--max-redirs|--connect-timeout|--idle-timeout|-m|--max-time|\
	--max-body|--max-filesize|-w|--write-out|--name|--ok|--deadline|--retry|--retry-delay|\
	--retry-max-delay|--url|--data-raw|--data-urlencode|-F|--form|-e|--referer|\
	--noproxy|--limit-rate|--rate|--host-rate|--shard|\
	--oauth2-bearer|--aws-sigv4|-U|--proxy-user|--pinnedpubkey|--ciphers|--tls13-ciphers|--max-failures)
		return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "--input --url --globoff --parallel --per-host --request --header
			--data --data-binary --data-raw --data-urlencode --json --form --get
			--user-agent --referer --cookie --user --netrc --netrc-file --proxy
			--noproxy --insecure --cacert --cert --key --cert-type
			--http1.1 --http2 --http2-prior-knowledge --ipv4 --ipv6 --resolve
			--unix-socket --head --location --max-redirs --compressed
			--no-compressed --limit-rate --connect-timeout
			--idle-timeout --max-time --max-body --max-filesize --deadline --retry --retry-delay
			--retry-max-delay --retry-all-methods --save-unfinished --skip-done
			--rate --host-rate --shard --shard-by
			--format --write-out --no-body --fail --all-bodies
			--headers --order --output-dir --name --overwrite --ok --color
			--progress --no-progress --stats --stats=json --silent --show-error
			--verbose --help --version
			--basic --digest --ntlm --negotiate --anyauth --oauth2-bearer --aws-sigv4 --proxy-user --proxy-cacert --proxy-insecure --capath --crlfile --pinnedpubkey --tlsv1.2 --tlsv1.3 --tls-max --ciphers --tls13-ciphers --cookie-jar --retry-all-errors --max-failures --fail-early --newer --remote-time --only-failed --report-junit --report-markdown --config --disable" -- "$cur"))
	fi
}
complete -o default -F _urlfan urlfan
