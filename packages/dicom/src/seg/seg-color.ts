// DICOM stores segment colours as CIELab scaled to 16 bits (PS3.3 C.10.7.1.1: L* 0..100 and a*, b*
// -128..127 mapped onto 0..65535). Viewers think in sRGB, so the SDK takes and returns sRGB and converts here,
// through CIE XYZ with the D65 white point.

const WHITE: readonly [number, number, number] = [0.95047, 1, 1.08883];
const EPSILON = 216 / 24389;
const KAPPA = 24389 / 27;

/** sRGB (0..255 each) to DICOM's scaled CIELab (0..65535 each). */
export function rgbToDicomLab(rgb: readonly [number, number, number]): [number, number, number] {
  const [r, g, b] = rgb.map((c) => {
    const v = Math.min(255, Math.max(0, c)) / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  const xyz = [
    0.4124564 * r + 0.3575761 * g + 0.1804375 * b,
    0.2126729 * r + 0.7151522 * g + 0.072175 * b,
    0.0193339 * r + 0.119192 * g + 0.9503041 * b,
  ];
  const [fx, fy, fz] = xyz.map((v, i) => {
    const t = v / WHITE[i]!;
    return t > EPSILON ? Math.cbrt(t) : (KAPPA * t + 16) / 116;
  }) as [number, number, number];
  const l = 116 * fy - 16;
  const a = 500 * (fx - fy);
  const bb = 200 * (fy - fz);
  const clamp = (v: number): number => Math.round(Math.min(65535, Math.max(0, v)));
  return [clamp((l * 65535) / 100), clamp(((a + 128) * 65535) / 255), clamp(((bb + 128) * 65535) / 255)];
}

/** DICOM's scaled CIELab (0..65535 each) to sRGB (0..255 each, rounded). */
export function dicomLabToRgb(lab: readonly [number, number, number]): [number, number, number] {
  const l = (lab[0] * 100) / 65535;
  const a = (lab[1] * 255) / 65535 - 128;
  const b = (lab[2] * 255) / 65535 - 128;
  const fy = (l + 16) / 116;
  const f = [fy + a / 500, fy, fy - b / 200];
  const [x, y, z] = f.map((v, i) => {
    const t = v ** 3 > EPSILON ? v ** 3 : (116 * v - 16) / KAPPA;
    return t * WHITE[i]!;
  }) as [number, number, number];
  const linear = [
    3.2404542 * x - 1.5371385 * y - 0.4985314 * z,
    -0.969266 * x + 1.8760108 * y + 0.041556 * z,
    0.0556434 * x - 0.2040259 * y + 1.0572252 * z,
  ];
  return linear.map((v) => {
    const c = v <= 0.0031308 ? 12.92 * v : 1.055 * Math.max(0, v) ** (1 / 2.4) - 0.055;
    return Math.round(Math.min(1, Math.max(0, c)) * 255);
  }) as [number, number, number];
}
