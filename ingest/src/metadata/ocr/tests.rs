use super::*;

fn write_file(directory: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = directory.join(name);
    std::fs::write(&path, bytes).expect("write test file");
    path
}

fn word(text: &str, x: u32, y: u32, w: u32, h: u32) -> OcrWord {
    OcrWord {
        text: text.to_string(),
        x,
        y,
        w,
        h,
    }
}

const HOCR: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">
 <head><title></title><meta http-equiv="Content-Type" content="text/html;charset=utf-8"/></head>
 <body>
  <div class='ocr_page' id='page_1' title='image "0001.tif"; bbox 0 0 2480 3508; ppageno 0'>
   <p class='ocr_par' id='par_1_1'>
<span class='ocr_line' id='line_1_1' title="bbox 100 200 900 260; baseline 0 -5">
 <span class='ocrx_word' id='word_1_1' title='bbox 100 200 300 260; x_wconf 95'>Xi'an</span>
 <span class='ocrx_word' id='word_1_2' title='bbox 320 200 500 260; x_wconf 93'><strong>Stele</strong></span>
 <span class='ocrx_word' id='word_1_3' title='bbox 520 200 600 260; x_wconf 90'>&amp;</span>
</span>
<span class='ocr_line' id='line_1_2' title="bbox 100 300 900 360">
 <span class='ocrx_word' id='word_1_4' title='bbox 100 300 160 360; x_wconf 88'>碑</span>
 <span class='ocrx_word' id='word_1_5' title='bbox 160 300 220 360; x_wconf 87'>林</span>
 <span class='ocrx_word' id='word_1_6' title='x_wconf 10'>无框</span>
</span>
   </p>
  </div>
 </body>
</html>"#;

#[test]
fn hocr_words_with_boxes_and_lines() {
    let directory = tempfile::tempdir().expect("temporary directory");
    let path = write_file(directory.path(), "0001.hocr", HOCR.as_bytes());
    let ocr = read_ocr_sidecar(&path).expect("hOCR reads");
    assert_eq!(ocr.text, "Xi'an Stele &\n碑林无框");
    assert_eq!(
        ocr.words,
        vec![
            word("Xi'an", 100, 200, 200, 60),
            word("Stele", 320, 200, 180, 60),
            word("&", 520, 200, 80, 60),
            word("碑", 100, 300, 60, 60),
            word("林", 160, 300, 60, 60),
        ]
    );
}

const ALTO_V3: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<alto xmlns="http://www.loc.gov/standards/alto/ns-v3#" xmlns:xlink="http://www.w3.org/1999/xlink">
  <Description><MeasurementUnit>pixel</MeasurementUnit></Description>
  <Layout><Page ID="p1" HEIGHT="3508" WIDTH="2480" PHYSICAL_IMG_NR="1">
<PrintSpace>
  <TextBlock ID="b1">
    <TextLine ID="l1" HPOS="100" VPOS="200" WIDTH="800" HEIGHT="60">
      <String ID="s1" CONTENT="西安" HPOS="100" VPOS="200" WIDTH="120" HEIGHT="60"/>
      <String ID="s2" CONTENT="碑林" HPOS="220.4" VPOS="200" WIDTH="119.6" HEIGHT="60"/>
      <SP WIDTH="20"/>
      <String ID="s3" CONTENT="Museum &amp; Co" HPOS="360" VPOS="200" WIDTH="300" HEIGHT="60"/>
    </TextLine>
    <TextLine ID="l2" HPOS="100" VPOS="300" WIDTH="800" HEIGHT="60">
      <String ID="s4" CONTENT="1958" HPOS="100" VPOS="300" WIDTH="100" HEIGHT="60"/>
      <String ID="s5" CONTENT="年" />
    </TextLine>
  </TextBlock>
</PrintSpace>
  </Page></Layout>
</alto>"#;

#[test]
fn alto_words_with_boxes_and_lines() {
    let directory = tempfile::tempdir().expect("temporary directory");
    let path = write_file(directory.path(), "0001.xml", ALTO_V3.as_bytes());
    assert!(is_alto(&path));
    let ocr = read_ocr_sidecar(&path).expect("ALTO reads");
    assert_eq!(ocr.text, "西安碑林 Museum & Co\n1958 年");
    assert_eq!(
        ocr.words,
        vec![
            word("西安", 100, 200, 120, 60),
            word("碑林", 220, 200, 120, 60),
            word("Museum & Co", 360, 200, 300, 60),
            word("1958", 100, 300, 100, 60),
        ]
    );
}

#[test]
fn alto_v2_and_v4_namespaces_and_prefixes() {
    let directory = tempfile::tempdir().expect("temporary directory");
    let v2 = r#"<alto xmlns="http://www.loc.gov/standards/alto/ns-v2#"><Layout><Page><PrintSpace><TextBlock><TextLine><String CONTENT="v2" HPOS="1" VPOS="2" WIDTH="3" HEIGHT="4"/></TextLine></TextBlock></PrintSpace></Page></Layout></alto>"#;
    let v4 = r#"<?xml version="1.0"?><!-- made by a scanner --><a:alto xmlns:a="http://www.loc.gov/standards/alto/ns-v4#"><a:Layout><a:Page><a:PrintSpace><a:TextBlock><a:TextLine><a:String CONTENT="v4" HPOS="5" VPOS="6" WIDTH="7" HEIGHT="8"/></a:TextLine></a:TextBlock></a:PrintSpace></a:Page></a:Layout></a:alto>"#;
    for (name, xml, expected) in [
        ("v2.xml", v2, word("v2", 1, 2, 3, 4)),
        ("v4.xml", v4, word("v4", 5, 6, 7, 8)),
    ] {
        let path = write_file(directory.path(), name, xml.as_bytes());
        assert!(is_alto(&path), "{name}");
        let ocr = read_ocr_sidecar(&path).expect("ALTO reads");
        assert_eq!(ocr.words, vec![expected], "{name}");
    }
}

#[test]
fn other_xml_is_not_alto() {
    let directory = tempfile::tempdir().expect("temporary directory");
    let path = write_file(
        directory.path(),
        "0001.xml",
        br#"<?xml version="1.0"?><mets:mets xmlns:mets="http://www.loc.gov/METS/"/>"#,
    );
    assert!(!is_alto(&path));
    let message = read_ocr_sidecar(&path)
        .expect_err("METS is not OCR")
        .to_string();
    assert!(
        message.contains("not ALTO OCR (its root element is <mets>)"),
        "{message}"
    );
    assert!(!is_alto(&directory.path().join("missing.xml")));
    let broken = write_file(directory.path(), "broken.xml", b"\x00\x01 not xml <<<");
    assert!(!is_alto(&broken));
}

#[test]
fn broken_xml_is_an_error_not_a_panic() {
    let directory = tempfile::tempdir().expect("temporary directory");
    let path = write_file(
        directory.path(),
        "0001.xml",
        br#"<alto><Layout><String CONTENT="x" HPOS="1"#,
    );
    let message = read_ocr_sidecar(&path)
        .expect_err("truncated ALTO fails")
        .to_string();
    assert!(message.contains("not valid ALTO XML"), "{message}");
    let path = write_file(directory.path(), "0001.pdf", b"%PDF");
    assert!(read_ocr_sidecar(&path).is_err());
}

#[test]
fn plain_text_in_gbk() {
    let directory = tempfile::tempdir().expect("temporary directory");
    let (bytes, _, _) = encoding_rs::GBK.encode("西安碑林博物馆藏拓片\r\n第二行：昭陵六骏\r\n");
    let path = write_file(directory.path(), "0001.txt", &bytes);
    let ocr = read_ocr_sidecar(&path).expect("text reads");
    assert_eq!(ocr.text, "西安碑林博物馆藏拓片\n第二行：昭陵六骏\n");
    assert!(ocr.words.is_empty());
}

#[test]
fn words_join_without_spaces_between_cjk() {
    let words: Vec<String> = ["中", "国", "Library", "2024", "年", "，", "好"]
        .iter()
        .map(|text| text.to_string())
        .collect();
    assert_eq!(join_words(&words), "中国 Library 2024 年，好");
}
