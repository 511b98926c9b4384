#!/usr/bin/env bash
# Installs what the tests need from Debian's packages, once per machine:
#   python3-nibabel, python3-scipy  the reference NIfTI reader/writer and resampler (for /usr/bin/python3)
#   mricron-data                    real volumes: Colin27 (ch2*.nii.gz) and atlases
#   python3-pydicom, dcm2niix       DICOM test files and fixtures; the reference DICOM converter
#   python3-pil                     Pillow, the reference PNG reader/writer (2-D fixpolygon)
#   chromium                        a real browser for the browser-build tests (driven by playwright-core)
#   openssl, curl                   a self-signed certificate for the TLS tests; curl as an upload baseline
#   orthanc, orthanc-dicomweb       a real PACS with DICOMweb (started by scripts/services/orthanc.sh)
#   dcmtk, dicom3tools              dcmdump/dcmodify/storescu, and dciodvfy (the DICOM IOD validator)
# Under CI a missing package that cannot be installed fails the run instead of skipping tests.
set -euo pipefail
. "$(dirname "$0")/services/lib.sh"

need=()
/usr/bin/python3 -c 'import nibabel, numpy' 2>/dev/null || need+=(python3-nibabel)
/usr/bin/python3 -c 'import scipy.ndimage' 2>/dev/null || need+=(python3-scipy)
[ -f /usr/share/mricron/templates/ch2better.nii.gz ] || need+=(mricron-data)
/usr/bin/python3 -c 'import pydicom' 2>/dev/null || need+=(python3-pydicom)
/usr/bin/python3 -c 'import PIL' 2>/dev/null || need+=(python3-pil)
/usr/bin/python3 -c 'import yaml' 2>/dev/null || need+=(python3-yaml)
command -v dcm2niix >/dev/null || need+=(dcm2niix)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v openssl >/dev/null || need+=(openssl)
command -v curl >/dev/null || need+=(curl)
[ -x /usr/sbin/Orthanc ] || need+=(orthanc)
[ -f /usr/share/orthanc/plugins/libOrthancDicomWeb.so ] || need+=(orthanc-dicomweb)
command -v dcmdump >/dev/null || need+=(dcmtk)
command -v dciodvfy >/dev/null || need+=(dicom3tools)

if [ ${#need[@]} -gt 0 ]; then
  echo "setup-test-env: installing ${need[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup-test-env: need root to install ${need[*]} (apt-get install ${need[*]})" >&2
    exit 1
  fi
  # The package lists may be missing or stale on a fresh machine. apt_get (services/lib.sh) waits for an
  # install that is already running instead of failing on its lock.
  apt_get update -qq || { echo "setup-test-env: apt-get update failed" >&2; exit 1; }
  apt_get install -y -qq --no-install-recommends "${need[@]}" || { echo "setup-test-env: apt-get install ${need[*]} failed" >&2; exit 1; }
fi

/usr/bin/python3 -c 'import nibabel, scipy.ndimage, pydicom, PIL' >/dev/null
[ -f /usr/share/mricron/templates/ch2better.nii.gz ]
command -v dcm2niix >/dev/null
[ -x /usr/bin/chromium ]
[ -x /usr/sbin/Orthanc ] && [ -f /usr/share/orthanc/plugins/libOrthancDicomWeb.so ]
command -v dcmdump >/dev/null && command -v dciodvfy >/dev/null
echo "setup-test-env: ready"
