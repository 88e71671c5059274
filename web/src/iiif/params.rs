//! The parameters of an Image API 3.0 request — region, size, rotation,
//! quality and format — parsed, and the arithmetic that turns them into a
//! crop rectangle and an output size for an image of known dimensions.

/// The largest output width we render.
pub const MAX_WIDTH: u32 = 6000;
/// The largest output height we render.
pub const MAX_HEIGHT: u32 = 6000;
/// The largest output area we render, in pixels.
pub const MAX_AREA: u64 = 24_000_000;

/// The region of the image to return.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Region {
    /// The whole image.
    Full,
    /// The largest centred square.
    Square,
    /// A rectangle in pixels: x, y, w, h.
    Pixels(u32, u32, u32, u32),
    /// A rectangle in percent of the image: x, y, w, h.
    Percent(f64, f64, f64, f64),
}

/// The size to scale the region to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Size {
    /// Whether `^` allows scaling above the region's size.
    pub upscale: bool,
    /// How the size is given.
    pub kind: SizeKind,
}

/// The forms of a size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SizeKind {
    /// `max`: as large as allowed.
    Max,
    /// `w,`.
    Width(u32),
    /// `,h`.
    Height(u32),
    /// `pct:n`.
    Percent(f64),
    /// `w,h`, exactly.
    Exact(u32, u32),
    /// `!w,h`, the largest that fits.
    Confined(u32, u32),
}

/// Rotation: mirror first (`!`), then rotate clockwise by a multiple of 90°.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rotation {
    /// Mirror horizontally before rotating.
    pub mirror: bool,
    /// 0, 90, 180 or 270.
    pub degrees: u16,
}

/// Colour quality.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quality {
    /// As stored (colour).
    Default,
    /// Colour.
    Color,
    /// Greyscale.
    Gray,
    /// Black and white.
    Bitonal,
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JPEG.
    Jpg,
    /// PNG.
    Png,
    /// WebP (lossless).
    Webp,
}

impl Format {
    /// The media type.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Jpg => "image/jpeg",
            Format::Png => "image/png",
            Format::Webp => "image/webp",
        }
    }

    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Jpg => "jpg",
            Format::Png => "png",
            Format::Webp => "webp",
        }
    }
}

/// Why a request cannot be answered: a 400 with this message.
pub type ParamError = String;

fn number_u32(text: &str) -> Result<u32, ParamError> {
    if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(format!("'{text}' is not a whole number"));
    }
    text.parse().map_err(|_| format!("'{text}' is too large"))
}

fn number_f64(text: &str) -> Result<f64, ParamError> {
    let valid = !text.is_empty()
        && text
            .bytes()
            .all(|byte| byte.is_ascii_digit() || byte == b'.')
        && text.bytes().filter(|byte| *byte == b'.').count() <= 1
        && text != ".";
    if !valid {
        return Err(format!("'{text}' is not a number"));
    }
    text.parse()
        .map_err(|_| format!("'{text}' is not a number"))
}

fn four<T>(text: &str, parse: fn(&str) -> Result<T, ParamError>) -> Result<[T; 4], ParamError> {
    let parts: Vec<&str> = text.split(',').collect();
    let [a, b, c, d] = parts.as_slice() else {
        return Err(format!("region '{text}' needs four numbers x,y,w,h"));
    };
    Ok([parse(a)?, parse(b)?, parse(c)?, parse(d)?])
}

impl Region {
    /// Parses a region parameter.
    pub fn parse(text: &str) -> Result<Region, ParamError> {
        match text {
            "full" => Ok(Region::Full),
            "square" => Ok(Region::Square),
            _ => {
                if let Some(percent) = text.strip_prefix("pct:") {
                    let [x, y, w, h] = four(percent, number_f64)?;
                    return Ok(Region::Percent(x, y, w, h));
                }
                let [x, y, w, h] = four(text, number_u32)?;
                Ok(Region::Pixels(x, y, w, h))
            }
        }
    }

    /// The crop rectangle (x, y, w, h) in an image of `width` × `height`,
    /// clipped to the image; an error when empty or outside it.
    pub fn rectangle(self, width: u32, height: u32) -> Result<(u32, u32, u32, u32), ParamError> {
        let (x, y, w, h) = match self {
            Region::Full => (0, 0, width, height),
            Region::Square => {
                let side = width.min(height);
                ((width - side) / 2, (height - side) / 2, side, side)
            }
            Region::Pixels(x, y, w, h) => (x, y, w, h),
            Region::Percent(x, y, w, h) => {
                let scale = |percent: f64, total: u32| (percent * f64::from(total) / 100.0).round();
                let (px, py) = (scale(x, width), scale(y, height));
                let (pw, ph) = (scale(w, width), scale(h, height));
                let clamp = |value: f64| value.clamp(0.0, f64::from(u32::MAX)) as u32;
                (clamp(px), clamp(py), clamp(pw), clamp(ph))
            }
        };
        if w == 0 || h == 0 {
            return Err("the region is empty".into());
        }
        if x >= width || y >= height {
            return Err("the region lies outside the image".into());
        }
        Ok((x, y, w.min(width - x), h.min(height - y)))
    }
}

impl Size {
    /// Parses a size parameter.
    pub fn parse(text: &str) -> Result<Size, ParamError> {
        let (upscale, rest) = match text.strip_prefix('^') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let kind = if rest == "max" {
            SizeKind::Max
        } else if let Some(percent) = rest.strip_prefix("pct:") {
            let percent = number_f64(percent)?;
            SizeKind::Percent(percent)
        } else if let Some(confined) = rest.strip_prefix('!') {
            let (w, h) = confined
                .split_once(',')
                .ok_or_else(|| format!("size '{text}' needs !w,h"))?;
            SizeKind::Confined(number_u32(w)?, number_u32(h)?)
        } else {
            let (w, h) = rest.split_once(',').ok_or_else(|| {
                format!("size '{text}' is not one of max, w,, ,h, pct:n, w,h, !w,h")
            })?;
            match (w.is_empty(), h.is_empty()) {
                (false, true) => SizeKind::Width(number_u32(w)?),
                (true, false) => SizeKind::Height(number_u32(h)?),
                (false, false) => SizeKind::Exact(number_u32(w)?, number_u32(h)?),
                (true, true) => return Err(format!("size '{text}' names no dimension")),
            }
        };
        Ok(Size { upscale, kind })
    }

    /// The output size for a region of `rw` × `rh`, within our limits.
    pub fn dimensions(self, rw: u32, rh: u32) -> Result<(u32, u32), ParamError> {
        let (rw_f, rh_f) = (f64::from(rw), f64::from(rh));
        let round = |value: f64| value.round().max(0.0).min(f64::from(u32::MAX)) as u32;
        let (w, h) = match self.kind {
            SizeKind::Max => {
                let mut scale = 1.0f64
                    .min(f64::from(MAX_WIDTH) / rw_f)
                    .min(f64::from(MAX_HEIGHT) / rh_f)
                    .min((MAX_AREA as f64 / (rw_f * rh_f)).sqrt());
                if self.upscale {
                    scale = (f64::from(MAX_WIDTH) / rw_f)
                        .min(f64::from(MAX_HEIGHT) / rh_f)
                        .min((MAX_AREA as f64 / (rw_f * rh_f)).sqrt());
                }
                // Floor, so that the result stays within maxArea.
                let floor = |value: f64| value.floor().max(1.0) as u32;
                (floor(rw_f * scale + 1e-9), floor(rh_f * scale + 1e-9))
            }
            SizeKind::Width(w) => (w, round(rh_f * f64::from(w) / rw_f)),
            SizeKind::Height(h) => (round(rw_f * f64::from(h) / rh_f), h),
            SizeKind::Percent(percent) => {
                if !self.upscale && percent > 100.0 {
                    return Err("pct above 100 needs ^".into());
                }
                (round(rw_f * percent / 100.0), round(rh_f * percent / 100.0))
            }
            SizeKind::Exact(w, h) => (w, h),
            SizeKind::Confined(w, h) => {
                if w == 0 || h == 0 {
                    // A box with no room: nothing fits in it (not even 1 × 1).
                    return Err("the requested size is zero".into());
                }
                let (w_f, h_f) = (f64::from(w), f64::from(h));
                let scale = (w_f / rw_f).min(h_f / rh_f);
                // As the IIIF validator reads 3.0: a best fit larger than the
                // region is an upscale, which only `^!w,h` may ask for.
                if !self.upscale && scale > 1.0 {
                    return Err("a !w,h box larger than the region needs ^ to upscale".into());
                }
                (
                    round(rw_f * scale).clamp(1, w.max(1)),
                    round(rh_f * scale).clamp(1, h.max(1)),
                )
            }
        };
        if w == 0 || h == 0 {
            return Err("the requested size is zero".into());
        }
        if !self.upscale && (w > rw || h > rh) {
            return Err("the size is larger than the region; use ^ to upscale".into());
        }
        if w > MAX_WIDTH || h > MAX_HEIGHT || u64::from(w) * u64::from(h) > MAX_AREA {
            return Err(format!(
                "the size {w}×{h} exceeds the limits (maxWidth {MAX_WIDTH}, maxHeight {MAX_HEIGHT}, maxArea {MAX_AREA})"
            ));
        }
        Ok((w, h))
    }
}

impl Rotation {
    /// Parses a rotation parameter: `0`, `90`, `180`, `270`, optionally after `!`.
    pub fn parse(text: &str) -> Result<Rotation, ParamError> {
        let (mirror, degrees) = match text.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let degrees = match degrees {
            "0" | "360" => 0,
            "90" => 90,
            "180" => 180,
            "270" => 270,
            other => {
                return Err(format!(
                    "rotation '{other}' is not supported; use 0, 90, 180 or 270"
                ));
            }
        };
        Ok(Rotation { mirror, degrees })
    }
}

/// Parses `quality.format`.
pub fn parse_quality_format(text: &str) -> Result<(Quality, Format), ParamError> {
    let (quality, format) = text
        .rsplit_once('.')
        .ok_or_else(|| format!("'{text}' is not quality.format"))?;
    let quality = match quality {
        "default" => Quality::Default,
        "color" => Quality::Color,
        "gray" => Quality::Gray,
        "bitonal" => Quality::Bitonal,
        other => {
            return Err(format!(
                "quality '{other}' is not default, color, gray or bitonal"
            ));
        }
    };
    let format = match format {
        "jpg" => Format::Jpg,
        "png" => Format::Png,
        "webp" => Format::Webp,
        other => return Err(format!("format '{other}' is not jpg, png or webp")),
    };
    Ok((quality, format))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(text: &str, w: u32, h: u32) -> Result<(u32, u32, u32, u32), ParamError> {
        Region::parse(text)?.rectangle(w, h)
    }

    fn size(text: &str, rw: u32, rh: u32) -> Result<(u32, u32), ParamError> {
        Size::parse(text)?.dimensions(rw, rh)
    }

    #[test]
    fn regions() {
        assert_eq!(region("full", 1000, 800), Ok((0, 0, 1000, 800)));
        assert_eq!(region("square", 1000, 800), Ok((100, 0, 800, 800)));
        assert_eq!(region("square", 600, 900), Ok((0, 150, 600, 600)));
        assert_eq!(region("10,20,30,40", 1000, 800), Ok((10, 20, 30, 40)));
        assert_eq!(
            region("900,700,500,500", 1000, 800),
            Ok((900, 700, 100, 100))
        );
        assert_eq!(
            region("pct:10,10,50,50", 1000, 800),
            Ok((100, 80, 500, 400))
        );
        assert_eq!(
            region("pct:0.5,0,99.5,100", 1000, 800),
            Ok((5, 0, 995, 800))
        );
        for bad in [
            "1000,0,10,10",
            "0,0,0,10",
            "a,b,c,d",
            "1,2,3",
            "-1,0,5,5",
            "pct:1,2,3",
        ] {
            assert!(region(bad, 1000, 800).is_err(), "{bad}");
        }
    }

    #[test]
    fn sizes() {
        assert_eq!(size("max", 1000, 800), Ok((1000, 800)));
        assert_eq!(size("max", 12000, 6000), Ok((6000, 3000)));
        assert_eq!(size("max", 10000, 10000), Ok((4898, 4898)));
        assert_eq!(size("500,", 1000, 800), Ok((500, 400)));
        assert_eq!(size(",400", 1000, 800), Ok((500, 400)));
        assert_eq!(size("pct:25", 1000, 800), Ok((250, 200)));
        assert_eq!(size("300,100", 1000, 800), Ok((300, 100)));
        assert_eq!(size("!500,500", 1000, 800), Ok((500, 400)));
        assert_eq!(size("!500,200", 1000, 800), Ok((250, 200)));
        assert_eq!(size("^2000,", 1000, 800), Ok((2000, 1600)));
        assert_eq!(size("^pct:150", 100, 100), Ok((150, 150)));
        assert_eq!(size("^!300,300", 100, 50), Ok((300, 150)));
        // The IIIF validator (size_noup) wants a best fit above 100% refused without ^.
        assert!(size("!3000,3000", 100, 50).is_err());
        assert_eq!(size("^max", 100, 100), Ok((4898, 4898)));
        for bad in [
            "2000,", ",900", "pct:150", "1001,800", "0,", "pct:0", "^7000,", "abc", ",", "max,",
        ] {
            assert!(size(bad, 1000, 800).is_err(), "{bad}");
        }
    }

    /// Issue #7 (fuzzed): `!0,0` and `!0,5` answered a 1 × 1 image, larger
    /// than the box asked for; a box with a zero side is a bad request.
    #[test]
    fn a_best_fit_box_with_a_zero_side_is_refused() {
        for bad in ["!0,0", "!0,5", "!5,0", "^!0,0"] {
            assert_eq!(
                size(bad, 1, 1),
                Err("the requested size is zero".to_string()),
                "{bad}"
            );
        }
        assert_eq!(size("!1,1", 1, 1), Ok((1, 1)));
    }

    #[test]
    fn rotations_qualities_formats() {
        assert_eq!(
            Rotation::parse("!90"),
            Ok(Rotation {
                mirror: true,
                degrees: 90
            })
        );
        assert!(Rotation::parse("45").is_err());
        assert!(Rotation::parse("-90").is_err());
        assert_eq!(
            parse_quality_format("gray.png"),
            Ok((Quality::Gray, Format::Png))
        );
        assert!(parse_quality_format("grey.jpg").is_err());
        assert!(parse_quality_format("default.tif").is_err());
        assert!(parse_quality_format("default").is_err());
    }

    // ---------- hostile input (issue #7, fuzzed) ----------

    use proptest::prelude::*;
    use proptest::sample::select;

    /// Cases per property in CI, multiplied by `WENYUAN_FUZZ_SCALE`.
    fn config(cases: u32) -> ProptestConfig {
        ProptestConfig {
            cases: wenyuan_index::testing::fuzz_cases(cases),
            ..ProptestConfig::default()
        }
    }

    /// Whole numbers as URLs carry them, near every edge.
    const WHOLE: &[&str] = &[
        "0",
        "1",
        "2",
        "7",
        "99",
        "100",
        "512",
        "1000",
        "4898",
        "6000",
        "6001",
        "65535",
        "4294967295",
        "4294967296",
        "18446744073709551616",
        "-1",
        "",
        "01",
        "+1",
        " 1",
        "1.5",
    ];
    /// Percentages, including what `f64` parsing would accept and IIIF does not.
    const PERCENT: &[&str] = &[
        "0",
        "0.0001",
        "1",
        "50",
        "99.5",
        "100",
        "100.0",
        "150",
        ".5",
        "5.",
        "..",
        "-0",
        "1e3",
        "NaN",
        "inf",
        "Infinity",
        "9999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999",
    ];

    fn region_text() -> impl Strategy<Value = String> {
        let whole = || select(WHOLE);
        let percent = || select(PERCENT);
        prop_oneof![
            1 => Just("full".to_string()),
            1 => Just("square".to_string()),
            4 => (whole(), whole(), whole(), whole())
                .prop_map(|(x, y, w, h)| format!("{x},{y},{w},{h}")),
            3 => (percent(), percent(), percent(), percent())
                .prop_map(|(x, y, w, h)| format!("pct:{x},{y},{w},{h}")),
            1 => "[a-z0-9:,.!^%-]{0,20}",
        ]
    }

    fn size_text() -> impl Strategy<Value = String> {
        let whole = || select(WHOLE);
        let body = prop_oneof![
            Just("max".to_string()),
            whole().prop_map(|w| format!("{w},")),
            whole().prop_map(|h| format!(",{h}")),
            (whole(), whole()).prop_map(|(w, h)| format!("{w},{h}")),
            (whole(), whole()).prop_map(|(w, h)| format!("!{w},{h}")),
            select(PERCENT).prop_map(|n| format!("pct:{n}")),
            "[a-z0-9:,.!^%-]{0,12}",
        ];
        (any::<bool>(), body).prop_map(|(up, body)| if up { format!("^{body}") } else { body })
    }

    fn rotation_text() -> impl Strategy<Value = String> {
        prop_oneof![
            select(
                &[
                    "0", "90", "180", "270", "360", "!0", "!90", "-90", "45", "!", "!!90", "90.0",
                    ""
                ][..]
            )
            .prop_map(str::to_string),
            "[0-9!.-]{0,6}",
        ]
    }

    fn quality_format_text() -> impl Strategy<Value = String> {
        prop_oneof![
            select(
                &[
                    "default.jpg",
                    "color.png",
                    "gray.webp",
                    "bitonal.jpg",
                    "default.gif",
                    "default",
                    ".",
                    "default.jpg.png",
                    "..",
                    "default."
                ][..]
            )
            .prop_map(str::to_string),
            "[a-z.]{0,14}",
        ]
    }

    proptest! {
        #![proptest_config(config(10000))]

        /// Whatever the URL says, a plan crops inside the image and stays
        /// within the advertised limits, the size asked for, and the box
        /// of `!w,h`; upscaling only with `^`.
        #[test]
        fn plans_stay_inside_the_image_and_the_limits(
            width in prop_oneof![1..=20_000u32, Just(1u32), Just(100_000u32)],
            height in prop_oneof![1..=20_000u32, Just(1u32), Just(100_000u32)],
            region in region_text(),
            size in size_text(),
            rotation in rotation_text(),
            quality_format in quality_format_text(),
        ) {
            let Ok(plan) = super::super::image::Plan::new(width, height, &region, &size, &rotation, &quality_format) else {
                return Ok(());
            };
            let (x, y, w, h) = plan.crop;
            prop_assert!(w >= 1 && h >= 1);
            prop_assert!(u64::from(x) + u64::from(w) <= u64::from(width));
            prop_assert!(u64::from(y) + u64::from(h) <= u64::from(height));
            let (out_w, out_h) = plan.size;
            prop_assert!(out_w >= 1 && out_h >= 1);
            prop_assert!(out_w <= MAX_WIDTH && out_h <= MAX_HEIGHT);
            prop_assert!(u64::from(out_w) * u64::from(out_h) <= MAX_AREA);
            let parsed = Size::parse(&size).expect("the plan parsed it");
            if !parsed.upscale {
                prop_assert!(out_w <= w && out_h <= h, "{size} of {w}x{h} gave {out_w}x{out_h}");
            }
            match parsed.kind {
                SizeKind::Confined(box_w, box_h) => {
                    prop_assert!(out_w <= box_w && out_h <= box_h, "{size} gave {out_w}x{out_h}");
                }
                SizeKind::Exact(exact_w, exact_h) => prop_assert_eq!((out_w, out_h), (exact_w, exact_h)),
                SizeKind::Width(exact_w) => prop_assert_eq!(out_w, exact_w),
                SizeKind::Height(exact_h) => prop_assert_eq!(out_h, exact_h),
                SizeKind::Max | SizeKind::Percent(_) => {}
            }
        }
    }
}
