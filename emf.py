import resource, subprocess, sys, os
def pre():
    resource.setrlimit(resource.RLIMIT_NOFILE, (int(sys.argv[1]), int(sys.argv[1])))
r = subprocess.run(sys.argv[2:], preexec_fn=pre, capture_output=True)
print(r.returncode); print(r.stdout.decode()[:2000]); print(r.stderr.decode()[:2000])
