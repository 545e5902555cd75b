# bash completion for urlfan(1)
_urlfan()
{
	local cur prev
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	case $prev in
	-i|--input|-d|--data|--json|--cacert|--unix-socket|--save-unfinished|--skip-done)
		COMPREPLY=($(compgen -f -- "$cur")); return ;;
	-O|--output-dir)
		COMPREPLY=($(compgen -d -- "$cur")); return ;;
	--format)
		COMPREPLY=($(compgen -W "text ndjson json body" -- "$cur")); return ;;
	--order)
		COMPREPLY=($(compgen -W "completion input" -- "$cur")); return ;;
	--shard-by)
		COMPREPLY=($(compgen -W "index host" -- "$cur")); return ;;
	-p|--per-host)
		COMPREPLY=($(compgen -W "auto" -- "$cur")); return ;;
	--color)
		COMPREPLY=($(compgen -W "auto always never" -- "$cur")); return ;;
	-X|--request)
		COMPREPLY=($(compgen -W "GET HEAD POST PUT PATCH DELETE OPTIONS" -- "$cur")); return ;;
	-j|--parallel|-H|--header|-A|--user-agent|-u|--user|-x|--proxy|\
	--resolve|--max-redirs|--connect-timeout|--idle-timeout|-m|--max-time|\
	--max-body|-w|--write-out|--name|--ok|--deadline|--retry|--retry-delay|\
	--retry-max-delay|--rate|--host-rate|--shard)
		return ;;
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "--input --parallel --per-host --request --header
			--data --json --user-agent --user --proxy --insecure --cacert
			--http1.1 --http2 --http2-prior-knowledge --resolve --unix-socket
			--head --max-redirs --compressed --no-compressed --connect-timeout
			--idle-timeout --max-time --max-body --deadline --retry --retry-delay
			--retry-max-delay --retry-all-methods --save-unfinished --skip-done
			--rate --host-rate --shard --shard-by
			--format --write-out --no-body
			--headers --order --output-dir --name --overwrite --ok --color
			--progress --no-progress --stats --stats=json --silent --verbose
			--help --version" -- "$cur"))
	fi
}
complete -o default -F _urlfan urlfan
