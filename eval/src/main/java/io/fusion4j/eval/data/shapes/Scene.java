package io.fusion4j.eval.data.shapes;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one shapes image shows: its objects (1–3, in distinct grid cells) and background. It is the ground truth the
 * evaluation scores generated images and captions against, and the source of the captions.
 */
public record Scene(List<ShapeObject> objects, Background background) {
    private static final String[] NUMBERS = {"no", "a", "two", "three"};

    public Scene {
        objects = List.copyOf(objects);
        if (objects.isEmpty() || objects.size() > 3) {
            throw new IllegalArgumentException("a scene has 1 to 3 objects, found " + objects.size());
        }
    }

    /** Several paraphrased descriptions of this scene; the first is the fullest. */
    public List<String> captions() {
        List<String> out = new ArrayList<>();
        List<String> full = new ArrayList<>();
        for (ShapeObject o : objects) {
            full.add(article(o.sizeWord()) + " " + o.sizeWord() + " " + o.colour().word() + " " + o.shape().word() + " "
                    + o.cell().phrase());
        }
        out.add(join(full));
        out.add(counted());
        if (objects.size() >= 2) {
            out.add(relation(objects.get(0), objects.get(1)));
        }
        List<String> terse = new ArrayList<>();
        for (ShapeObject o : objects) {
            terse.add(o.colour().word() + " " + o.shape().word() + ", " + o.cell().shortName());
        }
        out.add(String.join("; ", terse));
        return out;
    }

    /** "two blue squares and a green triangle": objects grouped by colour and shape, with counts. */
    private String counted() {
        Map<String, Integer> groups = new LinkedHashMap<>();
        Map<String, ShapeObject> first = new LinkedHashMap<>();
        for (ShapeObject o : objects) {
            String k = o.colour() + "/" + o.shape();
            groups.merge(k, 1, Integer::sum);
            first.putIfAbsent(k, o);
        }
        List<String> parts = new ArrayList<>();
        groups.forEach((k, n) -> {
            ShapeObject o = first.get(k);
            String noun = n == 1 ? o.shape().word() : o.shape().plural();
            String num = n == 1 ? article(o.colour().word()) : NUMBERS[n];
            parts.add(num + " " + o.colour().word() + " " + noun);
        });
        return join(parts);
    }

    /** "a red circle above a green triangle": where the first object is relative to the second. */
    private static String relation(ShapeObject a, ShapeObject b) {
        String where;
        if (a.cell().row() < b.cell().row()) {
            where = "above";
        } else if (a.cell().row() > b.cell().row()) {
            where = "below";
        } else {
            where = a.cell().column() < b.cell().column() ? "to the left of" : "to the right of";
        }
        return article(a.colour().word()) + " " + a.colour().word() + " " + a.shape().word() + " " + where + " "
                + article(b.colour().word()) + " " + b.colour().word() + " " + b.shape().word();
    }

    private static String article(String next) {
        return "aeiou".indexOf(next.charAt(0)) >= 0 ? "an" : "a";
    }

    private static String join(List<String> parts) {
        if (parts.size() == 1) {
            return parts.getFirst();
        }
        return String.join(", ", parts.subList(0, parts.size() - 1)) + " and " + parts.getLast();
    }
}
