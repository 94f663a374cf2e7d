/**
 * QR codes of install links, so a person can point a device camera at the console. The link
 * carries a short-lived token, so callers should render on demand and not cache.
 */
import QRCode from 'qrcode';

/** Renders a QR code PNG (error correction M, 8 px modules). */
export async function renderQrPng(text: string): Promise<Buffer> {
  return QRCode.toBuffer(text, { type: 'png', errorCorrectionLevel: 'M', scale: 8, margin: 2 });
}

/** Renders a QR code as a standalone SVG document. */
export async function renderQrSvg(text: string): Promise<string> {
  return QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}
