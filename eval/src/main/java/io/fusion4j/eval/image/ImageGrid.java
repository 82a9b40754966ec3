package io.fusion4j.eval.image;

import io.fusion4j.api.data.Image;

import java.util.List;

/**
 * Lays images out in a grid with a text label under each (the first caption, a class name): how fusion4j shows data
 * samples, generated images and reconstructions. Images are scaled up by whole pixels (nearest neighbour) so small
 * images stay crisp; grey images are shown grey.
 */
public final class ImageGrid {
    private static final int PAD = 4;
    private static final int LINE = BitmapFont.HEIGHT + 2;

    private ImageGrid() {
    }

    /** One cell: an image and its label. */
    public record Cell(Image image, String label) {
    }

    /**
     * An RGB image of the cells, {@code columns} to a row, each image scaled by {@code scale}, labels wrapped to the
     * cell width in at most {@code labelLines} lines.
     */
    public static Image render(List<Cell> cells, int columns, int scale, int labelLines) {
        return render(cells, columns, scale, labelLines, "");
    }

    /** As {@link #render(List, int, int, int)} with a footer line (an attribution the images require). */
    public static Image render(List<Cell> cells, int columns, int scale, int labelLines, String footer) {
        if (cells.isEmpty() || columns < 1 || scale < 1 || labelLines < 0) {
            throw new IllegalArgumentException("a grid needs cells, columns >= 1, scale >= 1 and labelLines >= 0");
        }
        int iw = 0;
        int ih = 0;
        for (Cell c : cells) {
            iw = Math.max(iw, c.image().width() * scale);
            ih = Math.max(ih, c.image().height() * scale);
        }
        int cellW = Math.max(iw, 6 * 8) + PAD;
        int cellH = ih + labelLines * LINE + PAD;
        int rows = (cells.size() + columns - 1) / columns;
        int w = columns * cellW + PAD;
        int h = rows * cellH + PAD + (footer.isEmpty() ? 0 : LINE + PAD);
        float[] px = new float[3 * w * h];
        java.util.Arrays.fill(px, 0.12f); // dark grey canvas
        for (int i = 0; i < cells.size(); i++) {
            int x0 = PAD + (i % columns) * cellW;
            int y0 = PAD + (i / columns) * cellH;
            Image im = cells.get(i).image();
            for (int y = 0; y < im.height() * scale; y++) {
                for (int x = 0; x < im.width() * scale; x++) {
                    for (int c = 0; c < 3; c++) {
                        float v = im.at(im.channels() == 1 ? 0 : Math.min(c, im.channels() - 1), y / scale, x / scale);
                        px[(c * h + y0 + y) * w + x0 + x] = v;
                    }
                }
            }
            List<String> lines = wrap(cells.get(i).label(), (cellW - PAD) / (BitmapFont.WIDTH + 1), labelLines);
            for (int l = 0; l < lines.size(); l++) {
                text(px, w, h, x0, y0 + ih + 2 + l * LINE, lines.get(l));
            }
        }
        if (!footer.isEmpty()) {
            int chars = (w - 2 * PAD) / (BitmapFont.WIDTH + 1);
            text(px, w, h, PAD, rows * cellH + PAD, footer.length() > chars ? footer.substring(0, chars) : footer);
        }
        return new Image(3, h, w, px);
    }

    private static void text(float[] px, int w, int h, int x0, int y0, String s) {
        for (int k = 0; k < s.length(); k++) {
            for (int y = 0; y < BitmapFont.HEIGHT; y++) {
                for (int x = 0; x < BitmapFont.WIDTH; x++) {
                    int X = x0 + k * (BitmapFont.WIDTH + 1) + x;
                    int Y = y0 + y;
                    if (X < w && Y < h && BitmapFont.pixel(s.charAt(k), x, y)) {
                        for (int c = 0; c < 3; c++) {
                            px[(c * h + Y) * w + X] = 0.92f;
                        }
                    }
                }
            }
        }
    }

    /** Words wrapped to {@code width} characters, at most {@code max} lines, the last cut with "..". */
    static List<String> wrap(String s, int width, int max) {
        List<String> out = new java.util.ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : s.trim().split("\\s+")) {
            if (line.length() > 0 && line.length() + 1 + word.length() > width) {
                out.add(line.toString());
                line.setLength(0);
            }
            line.append(line.length() > 0 ? " " : "").append(word.length() > width ? word.substring(0, width) : word);
        }
        if (line.length() > 0) {
            out.add(line.toString());
        }
        if (out.size() > max) {
            List<String> cut = new java.util.ArrayList<>(out.subList(0, max));
            String last = cut.get(max - 1);
            cut.set(max - 1, (last.length() + 2 > width ? last.substring(0, Math.max(0, width - 2)) : last) + "..");
            return cut;
        }
        return out;
    }
}
