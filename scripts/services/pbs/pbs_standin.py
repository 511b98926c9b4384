"""PBS Pro stand-ins (qsub, qstat, qdel) that translate to a real Slurm.

Neither OpenPBS nor Torque is packaged for Debian, so the cluster-ssh tests drive the PBS adapter end to
end through these. They accept the subset of PBS Pro options the adapter emits and answer in PBS Pro's
formats (`qsub` prints the job id; `qstat -f` prints `Job Id:` blocks, `-F json` the JSON form).
"""
import json
import os
import re
import subprocess
import sys
import time

SERVER = "medaas-pbs"
FIELDS = "JobID:|,State:|,NodeList:|,Reason:|,exit_code:|,Partition:|,Name:"
STATE = {
    "PENDING": "Q", "CONFIGURING": "Q", "REQUEUED": "Q", "REQUEUE_HOLD": "H", "SUSPENDED": "S",
    "RUNNING": "R", "COMPLETING": "E",
}
# PBS Pro's exit statuses for jobs it ended itself: killed by qdel (256 + SIGTERM), over walltime.
DELETED, WALLTIME = 271, -29


def fail(message, code=1):
    sys.stderr.write(message.rstrip("\n") + "\n")
    sys.exit(code)


def run(argv, stdin=None):
    return subprocess.run(argv, input=stdin, capture_output=True, text=True)


def seconds(walltime):
    parts = [int(p) for p in walltime.split(":")]
    while len(parts) < 3:
        parts.insert(0, 0)
    return parts[0] * 3600 + parts[1] * 60 + parts[2]


def sbatch_path(path):
    """A path for sbatch's --output taken literally (PBS does not expand %): sbatch reads a filename
    pattern, where %% is a '%' and a backslash turns the replacements off and escapes what follows it."""
    return path.replace("\\", "\\\\") if "\\" in path else path.replace("%", "%%")


def qsub(args):
    sbatch = ["sbatch", "--parsable"]
    script_path = None
    i = 0
    while i < len(args):
        flag = args[i]
        value = args[i + 1] if i + 1 < len(args) else None
        if flag == "-N":
            sbatch.append("--job-name=" + value)
        elif flag == "-q":
            sbatch.append("--partition=" + value)
        elif flag == "-A":
            sbatch.append("--account=" + value)
        elif flag == "-o":
            sbatch.append("--output=" + sbatch_path(value.split(":", 1)[-1]))
        elif flag == "-e":
            sbatch.append("--error=" + sbatch_path(value.split(":", 1)[-1]))
        elif flag == "-j":
            pass  # Slurm joins stdout and stderr unless told otherwise
        elif flag == "-l":
            for item in value.split(","):
                key, _, val = item.partition("=")
                if key == "walltime":
                    sbatch.append("--time=%d" % max(1, (seconds(val) + 59) // 60))
                elif key == "select":
                    chunks = val.split(":")
                    sbatch.append("--nodes=" + chunks[0])
                    for chunk in chunks[1:]:
                        k, _, v = chunk.partition("=")
                        if k == "ncpus":
                            sbatch.append("--cpus-per-task=" + v)
                        elif k == "ngpus":
                            sbatch.append("--gres=gpu:" + v)
                        elif k == "mem":
                            m = re.fullmatch(r"(\d+)(kb|mb|gb)?", v.lower())
                            if not m:
                                fail("qsub: Illegal attribute or resource value Resource_List.mem", 2)
                            scale = {"kb": 1 / 1024, "mb": 1, "gb": 1024, None: 1 / 1048576}[m.group(2)]
                            sbatch.append("--mem=%dM" % max(1, int(int(m.group(1)) * scale)))
                else:
                    fail("qsub: Unknown resource Resource_List.%s" % key, 2)
        elif flag == "-v":
            sbatch.append("--export=ALL," + value)
        elif flag == "-W":
            # Only umask=NNN (octal): the job's umask, which sbatch takes from the submitting process.
            key, _, val = value.partition("=")
            if key != "umask" or not re.fullmatch(r"[0-7]{1,4}", val):
                fail("qsub: illegal -W value %s" % value, 2)
            os.umask(int(val, 8))
        elif flag == "--":
            i += 1
            continue
        elif flag.startswith("-"):
            fail("qsub: illegal -- %s" % flag.lstrip("-"), 2)
        else:
            script_path = flag
            i += 1
            continue
        i += 2
    script = open(script_path).read() if script_path else sys.stdin.read()
    result = run(sbatch, stdin=script)
    if result.returncode != 0:
        message = result.stderr.strip().split("\n")[-1]
        if "partition" in message.lower():
            fail("qsub: Unknown queue", 170)
        fail("qsub: " + message, 1)
    print("%s.%s" % (result.stdout.strip().split(";")[0], SERVER))


def slurm_job(job_id):
    numeric = job_id.split(".")[0]
    if not numeric.isdigit():
        return None
    result = run(["squeue", "-h", "-t", "all", "-j", numeric, "-O", FIELDS])
    line = result.stdout.strip()
    if result.returncode != 0 or not line:
        return None
    jid, state, nodes, reason, raw_exit, partition, name = line.split("|", 6)
    return {"id": jid, "state": state, "nodes": nodes, "reason": reason, "raw_exit": int(raw_exit or 0),
            "partition": partition, "name": name}


def pbs_attributes(job):
    state = job["state"]
    attrs = {"Job_Name": job["name"], "Job_Owner": "%s@%s" % (run(["id", "-un"]).stdout.strip(), SERVER),
             "job_state": STATE.get(state, "F"), "queue": job["partition"], "server": SERVER}
    if job["nodes"] and state in ("RUNNING", "COMPLETING"):
        attrs["exec_host"] = "%s/0" % job["nodes"]
        attrs["exec_vnode"] = "(%s:ncpus=1)" % job["nodes"]
    if attrs["job_state"] == "F":
        raw = job["raw_exit"]
        if state == "CANCELLED":
            status = DELETED
            attrs["comment"] = "Job run at %s and terminated" % job["nodes"]
        elif state == "TIMEOUT":
            status = WALLTIME
            attrs["comment"] = "Job killed: exceeded resource walltime"
        elif raw & 0x7F:
            status = 256 + (raw & 0x7F)
        else:
            status = raw >> 8
            if state != "COMPLETED" and status == 0:
                status = 1
        attrs["Exit_status"] = status
        attrs.setdefault("comment", "Job run at %s and finished" % job["nodes"])
    elif job["reason"] not in ("None", ""):
        attrs["comment"] = "Not Running: " + job["reason"]
    return attrs


def split_ids(args):
    """Options and ids as getopt sees them: everything after "--" is an id, even when it starts with '-'."""
    if "--" in args:
        at = args.index("--")
        return args[:at], args[at + 1:]
    return args, []


def qstat(args):
    options, after = split_ids(args)
    as_json = "-F" in options and options[options.index("-F") + 1] == "json"
    ids = [a for i, a in enumerate(options) if not a.startswith("-") and (i == 0 or options[i - 1] != "-F")] + after
    jobs = {}
    for job_id in ids:
        job = slurm_job(job_id)
        if job is None:
            fail("qstat: Unknown Job Id %s" % job_id, 153)
        jobs["%s.%s" % (job["id"], SERVER)] = pbs_attributes(job)
    if as_json:
        print(json.dumps({"timestamp": int(time.time()), "pbs_version": "19.1.3", "pbs_server": SERVER,
                          "Jobs": jobs}, indent=4))
        return
    for job_id, attrs in jobs.items():
        print("Job Id: %s" % job_id)
        for key, value in attrs.items():
            print("    %s = %s" % (key, value))
        print()


def qdel(args):
    options, after = split_ids(args)
    for job_id in [a for a in options if not a.startswith("-")] + after:
        job = slurm_job(job_id)
        if job is None:
            fail("qdel: Unknown Job Id %s" % job_id, 153)
        result = run(["scancel", job["id"]])
        if result.returncode != 0:
            fail("qdel: " + result.stderr.strip(), 1)


if __name__ == "__main__":
    {"qsub": qsub, "qstat": qstat, "qdel": qdel}[sys.argv[1]](sys.argv[2:])
