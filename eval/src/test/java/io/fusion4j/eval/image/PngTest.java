package io.fusion4j.eval.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fusion4j.api.data.Image;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.Deflater;

class PngTest {
    private static Image random(int c, int h, int w, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] px = new float[c * h * w];
        for (int i = 0; i < px.length; i++) {
            px[i] = r.nextInt(256) / 255f;
        }
        return new Image(c, h, w, px);
    }

    @Test
    void rgbAndGreyRoundTripExactlyAt8Bits() {
        for (int c : new int[]{1, 3}) {
            Image im = random(c, 7, 13, c);
            Image back = Png.decode(Png.encode(im), "x.png");
            assertThat(back.channels()).isEqualTo(c);
            assertThat(back.pixels()).containsExactly(im.pixels());
        }
    }

    /** Scanlines written with every filter type (by hand, as other encoders do) decode to the same pixels. */
    @Test
    void everyScanlineFilterDecodes() throws Exception {
        int w = 5;
        int h = 5;
        int bpp = 3;
        SplittableRandom r = new SplittableRandom(4);
        int[][] px = new int[h][w * bpp];
        for (int[] row : px) {
            for (int i = 0; i < row.length; i++) {
                row[i] = r.nextInt(256);
            }
        }
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        for (int y = 0; y < h; y++) {
            int f = y; // rows use filters 0, 1, 2, 3, 4
            raw.write(f);
            for (int i = 0; i < w * bpp; i++) {
                int a = i >= bpp ? px[y][i - bpp] : 0;
                int b = y > 0 ? px[y - 1][i] : 0;
                int c = y > 0 && i >= bpp ? px[y - 1][i - bpp] : 0;
                int pred = switch (f) {
                    case 0 -> 0;
                    case 1 -> a;
                    case 2 -> b;
                    case 3 -> (a + b) >> 1;
                    default -> {
                        int p = a + b - c;
                        int pa = Math.abs(p - a);
                        int pb = Math.abs(p - b);
                        int pc = Math.abs(p - c);
                        yield pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
                    }
                };
                raw.write((px[y][i] - pred) & 0xff);
            }
        }
        byte[] png = png(w, h, 2, raw.toByteArray());
        Image im = Png.decode(png, "filters.png");
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) {
                    assertThat(Math.round(im.at(c, y, x) * 255)).as("(%d,%d,%d)", c, y, x).isEqualTo(px[y][x * 3 + c]);
                }
            }
        }
    }

    private static byte[] png(int w, int h, int colourType, byte[] raw) {
        return png(w, h, 8, colourType, null, null, raw);
    }

    /** A PNG of {@code depth}-bit samples with optional PLTE and tRNS chunks, from filtered rows {@code raw}. */
    private static byte[] png(int w, int h, int depth, int colourType, byte[] plte, byte[] trns, byte[] raw) {
        Deflater d = new Deflater();
        d.setInput(raw);
        d.finish();
        byte[] z = new byte[raw.length + 64];
        int n = d.deflate(z);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[]{(byte) 137, 80, 78, 71, 13, 10, 26, 10});
        Png.chunk(out, "IHDR", ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) depth).put((byte) colourType)
                .put((byte) 0).put((byte) 0).put((byte) 0).array());
        if (plte != null) {
            Png.chunk(out, "PLTE", plte);
        }
        if (trns != null) {
            Png.chunk(out, "tRNS", trns);
        }
        Png.chunk(out, "IDAT", java.util.Arrays.copyOf(z, n));
        Png.chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    @Test
    void lowDepthPaletteAndGreyImagesUnpackTheirPixels() {
        // 4-bit palette, 3 pixels a row (the last byte half used), 2 rows; entry 0 is transparent, 1 red, 2 blue at
        // half alpha, 3 opaque (no tRNS entry). Rows: [0 1 2], [3 1 0] (the second with the Up filter: each byte is
        // the difference from the byte above).
        byte[] plte = {0, 0, 0, (byte) 255, 0, 0, 0, 0, (byte) 255, 10, 20, 30};
        byte[] trns = {0, (byte) 255, (byte) 128};
        byte[] raw = {0, 0x01, 0x20, 2, (byte) (0x31 - 0x01), (byte) (0x00 - 0x20)};
        Image im = Png.decode(png(3, 2, 4, 3, plte, trns, raw), "p4.png");
        assertThat(im.channels()).isEqualTo(3);
        assertThat(new float[]{im.at(0, 0, 0), im.at(1, 0, 0), im.at(2, 0, 0)}).containsExactly(1f, 1f, 1f);
        assertThat(new float[]{im.at(0, 0, 1), im.at(1, 0, 1), im.at(2, 0, 1)}).containsExactly(1f, 0f, 0f);
        float half = 1 - 128 / 255f;
        assertThat(new float[]{im.at(0, 0, 2), im.at(2, 0, 2)}).containsExactly(new float[]{half, 1f},
                org.assertj.core.data.Offset.offset(1e-6f));
        assertThat(new float[]{im.at(0, 1, 0), im.at(1, 1, 0), im.at(2, 1, 0)}).containsExactly(10 / 255f, 20 / 255f,
                30 / 255f);
        assertThat(im.at(0, 1, 1)).isEqualTo(1f);
        assertThat(im.at(1, 1, 2)).isEqualTo(1f);
        // 1-bit grey, 10 pixels: 1011001110 packed into two bytes.
        Image bits = Png.decode(png(10, 1, 1, 0, null, null, new byte[]{0, (byte) 0b10110011, (byte) 0b10000000}),
                "g1.png");
        float[] want = {1, 0, 1, 1, 0, 0, 1, 1, 1, 0};
        assertThat(bits.pixels()).containsExactly(want);
        // 2-bit grey 0 1 2 3 in one byte, and 4-bit grey 0 15 in one byte: levels spread over [0, 1].
        assertThat(Png.decode(png(4, 1, 2, 0, null, null, new byte[]{0, 0b00011011}), "g2.png").pixels())
                .containsExactly(new float[]{0, 85 / 255f, 170 / 255f, 1}, org.assertj.core.data.Offset.offset(1e-6f));
        assertThat(Png.decode(png(2, 1, 4, 0, null, null, new byte[]{0, 0x0F}), "g4.png").pixels())
                .containsExactly(0f, 1f);
        assertThatThrownBy(() -> Png.decode(png(2, 1, 4, 2, null, null, new byte[]{0, 0, 0, 0, 0}), "rgb4.png"))
                .hasMessageContaining("rgb4.png: only non-interlaced 8-bit").hasMessageContaining("found depth 4");
    }

    @Test
    void transparencyIsShownOnWhite() {
        // One row of three RGBA pixels: transparent red, opaque red, half-transparent black.
        byte[] raw = {0, (byte) 255, 0, 0, 0, (byte) 255, 0, 0, (byte) 255, 0, 0, 0, (byte) 128};
        Image im = Png.decode(png(3, 1, 6, raw), "rgba.png");
        assertThat(im.channels()).isEqualTo(3);
        assertThat(new float[]{im.at(0, 0, 0), im.at(1, 0, 0), im.at(2, 0, 0)}).containsExactly(1f, 1f, 1f);
        assertThat(new float[]{im.at(0, 0, 1), im.at(1, 0, 1), im.at(2, 0, 1)}).containsExactly(1f, 0f, 0f);
        assertThat((double) im.at(1, 0, 2)).isCloseTo(1 - 128 / 255.0, org.assertj.core.data.Offset.offset(1e-6));
    }

    @Test
    void damagedFilesAreRefusedWithTheReason() {
        byte[] good = Png.encode(random(3, 4, 4, 1));
        assertThatThrownBy(() -> Png.decode(new byte[]{1, 2, 3}, "a.png")).hasMessage("a.png: not a PNG file (bad signature)");
        byte[] crc = good.clone();
        crc[20] ^= 1; // inside IHDR
        assertThatThrownBy(() -> Png.decode(crc, "b.png")).hasMessage("b.png: chunk IHDR fails its CRC");
        assertThatThrownBy(() -> Png.decode(java.util.Arrays.copyOf(good, good.length - 20), "c.png"))
                .hasMessageStartingWith("c.png: ");
        byte[] bigClaim = png(8192, 8192, 6, new byte[10]);
        assertThatThrownBy(() -> Png.decode(bigClaim, "e.png")).hasMessageContaining("e.png: image data of")
                .hasMessageContaining("too short for 8192x8192 pixels");
        ByteArrayOutputStream shortHeader = new ByteArrayOutputStream();
        shortHeader.writeBytes(new byte[]{(byte) 137, 80, 78, 71, 13, 10, 26, 10});
        Png.chunk(shortHeader, "IHDR", new byte[5]);
        assertThatThrownBy(() -> Png.decode(shortHeader.toByteArray(), "f.png"))
                .hasMessage("f.png: the IHDR chunk is 5 bytes, 13 expected");
        byte[] huge = png(1 << 20, 1 << 20, 2, new byte[0]);
        assertThatThrownBy(() -> Png.decode(huge, "d.png")).hasMessageContaining("d.png: size 1048576x1048576 is outside");
    }

    @Test
    void aGridHoldsEveryCellAndItsLabel() {
        Image a = new Image(3, 4, 4, new float[48]);
        java.util.Arrays.fill(a.pixels(), 1f);
        Image g = ImageGrid.render(List.of(new ImageGrid.Cell(a, "one"), new ImageGrid.Cell(a, "two"),
                new ImageGrid.Cell(a, "three")), 2, 2, 1);
        assertThat(g.channels()).isEqualTo(3);
        // Two columns of max(8, 48)+4 wide cells plus padding; two rows of 8+9+4 high.
        assertThat(g.width()).isEqualTo(2 * 52 + 4);
        assertThat(g.height()).isEqualTo(2 * 21 + 4);
        assertThat(g.at(0, 4, 4)).isEqualTo(1f); // first image's corner, scaled
        assertThat(ImageGrid.wrap("a small red circle in the top left", 10, 2)).containsExactly("a small", "red circ..");
    }
}
