package io.fusion4j.eval.image;

import io.fusion4j.api.UserInputException;
import io.fusion4j.api.data.Image;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * A small PNG codec in plain Java (no AWT, which would add ~18 MiB to the jlinked bundle; decision 0019): writes
 * 8-bit grey or RGB, reads 8-bit grey, grey+alpha, RGB and RGBA, 1-, 2- and 4-bit grey, and palette images of any
 * depth with their tRNS transparency (transparency composited over white), non-interlaced, with every scanline filter. Errors name the file and what is wrong.
 */
public final class Png {
    private static final byte[] SIGNATURE = {(byte) 137, 80, 78, 71, 13, 10, 26, 10};
    /** Larger images than this are refused before any allocation from a header's claims. */
    private static final long MAX_PIXELS = 1L << 26;

    private Png() {
    }

    /** Writes {@code image} (1 or 3 channels, values clamped to [0, 1]) as an 8-bit PNG. */
    public static void write(Image image, Path file) throws IOException {
        Files.write(file, encode(image));
    }

    public static byte[] encode(Image image) {
        int c = image.channels();
        if (c != 1 && c != 3) {
            throw new IllegalArgumentException("PNG writing takes 1 or 3 channels, found " + c);
        }
        int w = image.width();
        int h = image.height();
        byte[] raw = new byte[h * (1 + w * c)];
        int k = 0;
        for (int y = 0; y < h; y++) {
            raw[k++] = 0; // filter: none
            for (int x = 0; x < w; x++) {
                for (int ch = 0; ch < c; ch++) {
                    float v = Math.max(0f, Math.min(1f, image.at(ch, y, x)));
                    raw[k++] = (byte) Math.round(v * 255f);
                }
            }
        }
        Deflater d = new Deflater(Deflater.BEST_SPEED);
        d.setInput(raw);
        d.finish();
        ByteArrayOutputStream z = new ByteArrayOutputStream();
        byte[] buf = new byte[1 << 16];
        while (!d.finished()) {
            z.write(buf, 0, d.deflate(buf));
        }
        d.end();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(SIGNATURE);
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) 8).put((byte) (c == 1 ? 0 : 2))
                .put((byte) 0).put((byte) 0).put((byte) 0);
        chunk(out, "IHDR", ihdr.array());
        chunk(out, "IDAT", z.toByteArray());
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
        out.writeBytes(t);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    /** Reads a PNG file; grey stays one channel, colour becomes three (alpha is composited over white). */
    public static Image read(Path file) throws IOException {
        return decode(Files.readAllBytes(file), file.toString());
    }

    public static Image decode(byte[] png, String where) {
        ByteBuffer b = ByteBuffer.wrap(png);
        for (byte s : SIGNATURE) {
            if (!b.hasRemaining() || b.get() != s) {
                throw bad(where, "not a PNG file (bad signature)");
            }
        }
        int w = 0;
        int h = 0;
        int colourType = -1;
        int depth = 8;
        byte[] palette = null;
        byte[] paletteAlpha = new byte[0];
        ByteArrayOutputStream idat = new ByteArrayOutputStream();
        boolean end = false;
        while (!end) {
            if (b.remaining() < 12) {
                throw bad(where, "truncated at byte " + b.position());
            }
            int len = b.getInt();
            byte[] type = new byte[4];
            b.get(type);
            String t = new String(type, StandardCharsets.US_ASCII);
            if (len < 0 || len > b.remaining() - 4) {
                throw bad(where, "chunk " + t + " claims " + Integer.toUnsignedString(len) + " bytes, "
                        + Math.max(0, b.remaining() - 4) + " remain");
            }
            byte[] data = new byte[len];
            b.get(data);
            int crc = b.getInt();
            CRC32 c = new CRC32();
            c.update(type);
            c.update(data);
            if ((int) c.getValue() != crc) {
                throw bad(where, "chunk " + t + " fails its CRC");
            }
            switch (t) {
                case "IHDR" -> {
                    if (len != 13) {
                        throw bad(where, "the IHDR chunk is " + len + " bytes, 13 expected");
                    }
                    ByteBuffer ih = ByteBuffer.wrap(data);
                    w = ih.getInt();
                    h = ih.getInt();
                    depth = ih.get();
                    colourType = ih.get();
                    int interlace = data[12];
                    if (w < 1 || h < 1 || (long) w * h > MAX_PIXELS) {
                        throw bad(where, "size " + w + "x" + h + " is outside 1.." + MAX_PIXELS + " pixels");
                    }
                    boolean lowDepth = (colourType == 0 || colourType == 3)
                            && (depth == 1 || depth == 2 || depth == 4);
                    if ((depth != 8 && !lowDepth) || interlace != 0 || (colourType != 0 && colourType != 2
                            && colourType != 3 && colourType != 4 && colourType != 6)) {
                        throw bad(where, "only non-interlaced 8-bit grey, RGB, palette and alpha PNGs, and 1-, 2- or"
                                + " 4-bit grey and palette PNGs, are read (found depth " + depth + ", colour type "
                                + colourType + ", interlace " + interlace + ")");
                    }
                }
                case "PLTE" -> palette = data;
                case "tRNS" -> paletteAlpha = data; // for a palette image: one alpha per entry, the rest opaque
                case "IDAT" -> idat.writeBytes(data);
                case "IEND" -> end = true;
                default -> {
                    // ancillary chunks (text, gamma, ...) carry nothing a model needs
                }
            }
        }
        if (colourType < 0) {
            throw bad(where, "no IHDR chunk");
        }
        if (colourType == 3 && palette == null) {
            throw bad(where, "a palette image without a PLTE chunk");
        }
        int samples = switch (colourType) {
            case 0, 3 -> 1;
            case 4 -> 2;
            case 2 -> 3;
            default -> 4;
        };
        // Below 8 bits, pixels pack into bytes (first pixel in the high bits) and filters work on whole bytes.
        int bpp = Math.max(1, samples * depth / 8);
        int stride = (int) (((long) w * samples * depth + 7) / 8);
        // Deflate expands at most ~1032:1: refuse a header whose size the data could never fill before allocating.
        if ((long) idat.size() * 1032 < (long) (stride + 1) * h) {
            throw bad(where, "image data of " + idat.size() + " bytes is too short for " + w + "x" + h + " pixels");
        }
        byte[] raw = new byte[(stride + 1) * h];
        Inflater inf = new Inflater();
        inf.setInput(idat.toByteArray());
        try {
            int n = 0;
            while (n < raw.length && !inf.finished()) {
                int got = inf.inflate(raw, n, raw.length - n);
                if (got == 0 && (inf.needsInput() || inf.needsDictionary())) {
                    break;
                }
                n += got;
            }
            if (n != raw.length) {
                throw bad(where, "image data holds " + n + " bytes, " + raw.length + " expected");
            }
        } catch (DataFormatException e) {
            throw bad(where, "corrupt image data (" + e.getMessage() + ")");
        } finally {
            inf.end();
        }
        byte[] px = unfilter(raw, h, stride, bpp, where);
        int channels = colourType == 0 || colourType == 4 ? 1 : 3;
        float[] out = new float[channels * h * w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = y * stride + x * bpp;
                // The sample of a 1-, 2- or 4-bit pixel; for 8 bits, the first byte of the pixel.
                int packed = depth == 8 ? px[p] & 0xff
                        : (px[y * stride + x * depth / 8] >> (8 - depth - x * depth % 8)) & ((1 << depth) - 1);
                for (int c = 0; c < channels; c++) {
                    int v;
                    float alpha = 1;
                    if (colourType == 3) {
                        if (3 * packed + 2 >= palette.length) {
                            throw bad(where, "palette index " + packed + " past the palette's " + palette.length / 3
                                    + " entries");
                        }
                        v = palette[3 * packed + c] & 0xff;
                        alpha = packed < paletteAlpha.length ? (paletteAlpha[packed] & 0xff) / 255f : 1;
                    } else if (depth < 8) {
                        v = packed * 255 / ((1 << depth) - 1);
                    } else {
                        v = px[p + c] & 0xff;
                    }
                    float value = v / 255f;
                    if (colourType == 4 || colourType == 6) {
                        alpha = (px[p + bpp - 1] & 0xff) / 255f;
                    }
                    // Transparent pixels would keep whatever colour they store (often black): show them on white.
                    value = value * alpha + (1 - alpha);
                    out[(c * h + y) * w + x] = value;
                }
            }
        }
        return new Image(channels, h, w, out);
    }

    private static byte[] unfilter(byte[] raw, int h, int stride, int bpp, String where) {
        byte[] px = new byte[h * stride];
        for (int y = 0; y < h; y++) {
            int f = raw[y * (stride + 1)];
            int in = y * (stride + 1) + 1;
            int row = y * stride;
            for (int i = 0; i < stride; i++) {
                int a = i >= bpp ? px[row + i - bpp] & 0xff : 0;
                int up = y > 0 ? px[row - stride + i] & 0xff : 0;
                int c = y > 0 && i >= bpp ? px[row - stride + i - bpp] & 0xff : 0;
                int x = raw[in + i] & 0xff;
                int v = switch (f) {
                    case 0 -> x;
                    case 1 -> x + a;
                    case 2 -> x + up;
                    case 3 -> x + ((a + up) >> 1);
                    case 4 -> x + paeth(a, up, c);
                    default -> throw bad(where, "unknown scanline filter " + f + " in row " + y);
                };
                px[row + i] = (byte) v;
            }
        }
        return px;
    }

    private static int paeth(int a, int b, int c) {
        int p = a + b - c;
        int pa = Math.abs(p - a);
        int pb = Math.abs(p - b);
        int pc = Math.abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static UserInputException bad(String where, String what) {
        return new UserInputException(where + ": " + what);
    }
}
