"""What MONAI Label's own Python client (monailabel/client/client.py, 0.8.x, which the 3D Slicer plugin ships)
sends and expects, reproduced with the standard library only, for the testkit's conformance test.

Written from the client's documented behaviour (see the fixtures' README): its hand-built multipart with the
unquoted `$` boundary and full local paths as file names, the `requests` upload of sessions (field `files`,
a random boundary, no part content type), JSON bodies for training and active learning, and `cgi.FieldStorage`
to read multipart replies, saving the result under the reply's file name.

Usage: monailabel_client.py SERVER_URL WORKDIR IMAGE_FILE LABEL_FILE; prints one JSON object of observations.
"""
import cgi
import http.client
import json
import mimetypes
import os
import sys
import uuid
import warnings
from urllib.parse import quote_plus, urlparse

warnings.simplefilter("ignore", DeprecationWarning)
LIMIT = "----------lImIt_of_THE_fIle_eW_$"


def connection(url):
    parsed = urlparse(url)
    return http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)


def encode_multipart(fields, files):
    lines = []
    for key, value in fields.items():
        lines += ["--" + LIMIT, 'Content-Disposition: form-data; name="%s"' % key, "", value]
    for key, filename in files.items():
        with open(filename, "rb") as f:
            data = f.read()
        lines += ["--" + LIMIT, 'Content-Disposition: form-data; name="%s"; filename="%s"' % (key, filename),
                  "Content-Type: %s" % (mimetypes.guess_type(filename)[0] or "application/octet-stream"), "", data]
    lines += ["--" + LIMIT + "--", ""]
    body = bytearray()
    for line in lines:
        body.extend(line if isinstance(line, bytes) else line.encode("utf-8"))
        body.extend(b"\r\n")
    return "multipart/form-data; boundary=%s" % LIMIT, bytes(body)


def requests_style_upload(fields, files):
    """What `requests.put(url, files=[("files", (basename, fh))], data=fields)` sends."""
    boundary = uuid.uuid4().hex
    body = bytearray()
    for key, value in fields.items():
        body += ('--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (boundary, key, value)).encode()
    for key, path in files:
        with open(path, "rb") as f:
            data = f.read()
        body += ('--%s\r\nContent-Disposition: form-data; name="%s"; filename="%s"\r\n\r\n' % (boundary, key, os.path.basename(path))).encode()
        body += data + b"\r\n"
    body += ("--%s--\r\n" % boundary).encode()
    return "multipart/form-data; boundary=%s" % boundary, bytes(body)


def request(url, method, selector, body=None, content_type=None):
    conn = connection(url)
    headers = {}
    if body is not None:
        if isinstance(body, dict):
            body = json.dumps(body)
            content_type = "application/json"
        headers = {"content-type": content_type, "content-length": str(len(body))}
    conn.request(method, selector, body=body, headers=headers)
    response = conn.getresponse()
    ctype = response.getheader("content-type", "application/json")
    if "multipart" in ctype and response.status == 200:
        fs = cgi.FieldStorage(fp=response.fp, environ={"REQUEST_METHOD": "POST"}, headers=response.msg, keep_blank_values=True)
        form, files, order = {}, {}, []
        for f in fs.list:
            order.append([f.name, f.filename, f.type])
            if f.filename:
                files[f.filename] = f.value
            else:
                form[f.name] = f.value
        return response.status, ctype, dict(response.getheaders()), (form, files, order)
    return response.status, ctype, dict(response.getheaders()), response.read()


def main():
    url, workdir, image, label = sys.argv[1:5]
    out = {}
    client_id = "slicer-user"

    # upload_image: the deprecated route, the `$` boundary, the whole local path as file name.
    ctype, body = encode_multipart({"params": json.dumps({"client_id": client_id})}, {"file": image})
    status, _, _, reply = request(url, "PUT", "/datastore/?image=%s" % quote_plus("case_slicer"), body, ctype)
    out["upload_image"] = [status, json.loads(reply)]

    # infer: never sends `output`; reads the multipart reply as the client does and saves the result file.
    ctype, body = encode_multipart({"params": json.dumps({"client_id": client_id, "foreground": [[30, 28, 20]], "background": []})}, {})
    status, rtype, headers, reply = request(url, "POST", "/infer/%s?image=%s" % ("deepgrow_3d", "case_slicer"), body, ctype)
    form, files, order = reply
    name = next(iter(files))
    result = os.path.join(workdir, name)
    with open(result, "wb") as f:
        f.write(files[name])
    out["infer"] = {"status": status, "content_type": rtype, "order": order, "params": json.loads(form["params"]), "saved": result}

    # infer with an uploaded file and a removed session id: the server falls back to the image.
    ctype, body = encode_multipart({"params": "{}"}, {"file": image})
    status, _, _, reply = request(url, "POST", "/infer/segmentation?image=case_slicer&session_id=no-such-session", body, ctype)
    out["infer_fallback"] = {"status": status, "files": [n.endswith(".nii.gz") for n in reply[1]]}

    # create_session as `requests` uploads it, then get and remove.
    ctype, body = requests_style_upload({"client_id": client_id}, [("files", image)])
    status, _, _, reply = request(url, "PUT", "/session/?expiry=600", body, ctype)
    session = json.loads(reply)
    out["session_put"] = [status, session]
    sid = session["session_id"]
    out["session_get"] = [request(url, "GET", "/session/%s" % sid)[0], json.loads(request(url, "GET", "/session/%s" % sid)[3])]
    out["session_delete"] = [request(url, "DELETE", "/session/%s" % sid)[0]]
    status, rtype, _, reply = request(url, "GET", "/session/%s" % sid)
    out["session_get_404"] = [status, rtype, json.loads(reply)]

    # save_label (the `$` boundary), then download_label, which needs a Content-Disposition file name.
    ctype, body = encode_multipart({"params": json.dumps({"client_id": client_id, "label_info": [{"name": "object", "idx": 1}]})}, {"label": label})
    status, _, _, reply = request(url, "PUT", "/datastore/label?image=case_slicer&tag=final", body, ctype)
    out["save_label"] = [status, json.loads(reply)]
    status, rtype, headers, reply = request(url, "GET", "/datastore/label?label=case_slicer&tag=final")
    _, params = cgi.parse_header(headers.get("content-disposition", ""))
    out["download_label"] = {"status": status, "filename": params.get("filename"), "bytes": len(reply)}

    # datastore(), next_sample, info
    status, rtype, _, reply = request(url, "GET", "/datastore/?output=all")
    out["datastore_all"] = [status, rtype, json.loads(reply)]
    status, _, _, reply = request(url, "POST", "/activelearning/first", {"client_id": client_id})
    out["next_sample"] = [status, json.loads(reply)]
    status, rtype, _, reply = request(url, "GET", "/info/")
    out["info"] = [status, rtype, json.loads(reply)]

    # Training: status before any, start, check_if_running, stop.
    status, _, _, reply = request(url, "GET", "/train/")
    out["train_status_none"] = [status, json.loads(reply)]
    status, _, _, reply = request(url, "GET", "/train/?check_if_running=true")
    out["train_running_idle"] = status == 200
    status, _, _, reply = request(url, "DELETE", "/train/")
    out["train_stop_idle"] = [status, json.loads(reply)]
    status, _, _, reply = request(url, "POST", "/train/segmentation", {"client_id": client_id, "max_epochs": 2})
    out["train_start"] = [status, json.loads(reply)]

    # Unknown model and unknown image: bare 500 text/plain.
    ctype, body = encode_multipart({"params": "{}"}, {})
    status, rtype, _, reply = request(url, "POST", "/infer/no_such_model?image=case_slicer", body, ctype)
    out["infer_unknown_model"] = [status, rtype, reply.decode()]
    status, rtype, _, reply = request(url, "POST", "/infer/segmentation?image=no_such_image", body, ctype)
    out["infer_unknown_image"] = [status, rtype, reply.decode()]
    print(json.dumps(out))


main()
