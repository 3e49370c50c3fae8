//! Pictures drawn with a terminal graphics protocol (kitty, iTerm2, sixel)
//! over the frame ratatui draws: what to send after each frame, and the
//! thread that encodes pictures for it.
//!
//! ratatui only knows text cells. The record pane leaves a picture's
//! half-block version in the cells underneath; once its escape sequence is
//! encoded (off the UI thread) it is written over them after the frame.
//! Sixel and iTerm2 pictures replace the cells' pixels, so when one moves
//! away its old cells are written again from the frame; kitty pictures
//! float above the text and are deleted instead.

use std::collections::HashSet;
use std::io::Write as _;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};

use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::Rect;

use super::cache::SizedLru;
use super::views::Placement;
use super::worker::Msg;
use crate::render::image::{KITTY_DELETE_ALL, Protocol, cell_pixels, decode, escape_sequence};

/// Encoded pictures kept; a sixel of a full pane is a few hundred kB.
const SEQUENCES_MAX_BYTES: usize = 64 << 20;

/// A picture to encode for a cell box.
pub struct EncodeJob {
    pub placement: Placement,
    pub protocol: Protocol,
}

/// What to write after a frame: cells to draw again (where a picture was),
/// then the pictures' escape sequences with their cursor moves.
#[derive(Debug, Default)]
pub struct Plan {
    pub cells: Vec<(u16, u16, Cell)>,
    pub bytes: Vec<u8>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty() && self.bytes.is_empty()
    }
}

/// Which pictures the terminal shows, and the encoded ones on hand.
pub struct Graphics {
    protocol: Protocol,
    /// On screen now: picture key and its cell box.
    shown: Vec<(String, Rect)>,
    sequences: SizedLru<String, Arc<String>>,
    /// Sent to the encoder, not back yet.
    pending: HashSet<String>,
    /// Could not be encoded: they keep their half-blocks.
    failed: HashSet<String>,
    /// The screen size the shown pictures were drawn on.
    screen: Rect,
    encoder: Option<Sender<EncodeJob>>,
}

impl Graphics {
    /// No encoder thread: jobs are left to the caller (tests).
    pub fn new(protocol: Protocol) -> Graphics {
        Graphics {
            protocol,
            shown: Vec::new(),
            sequences: SizedLru::new(SEQUENCES_MAX_BYTES),
            pending: HashSet::new(),
            failed: HashSet::new(),
            screen: Rect::default(),
            encoder: None,
        }
    }

    /// With an encoder thread sending [`Msg::Encoded`] to `tx`.
    pub fn start(protocol: Protocol, tx: &Sender<Msg>) -> Graphics {
        let mut g = Graphics::new(protocol);
        if is_graphic(protocol) {
            let (jobs, rx) = channel();
            let t = tx.clone();
            let spawned = std::thread::Builder::new()
                .name("picture-encoder".into())
                .spawn(move || encode_loop(&rx, &t));
            // Without the thread, pictures keep their half-blocks.
            if spawned.is_ok() {
                g.encoder = Some(jobs);
            }
        }
        g
    }

    /// The terminal was cleared: no picture is on screen any more, and the
    /// next frame places them all again.
    pub fn forget_shown(&mut self) {
        self.shown.clear();
        self.screen = Rect::default();
    }

    /// An encoded picture (or why it failed) arrived.
    pub fn encoded(&mut self, key: String, result: Result<String, String>) {
        self.pending.remove(&key);
        match result {
            Ok(seq) => self.sequences.insert(key, Arc::new(seq)),
            Err(_) => {
                self.failed.insert(key);
            }
        }
    }

    /// What to write after a frame of `buffer` so that the terminal shows
    /// exactly the encoded pictures among `want`; the others are sent to
    /// the encoder (or returned, without one).
    pub fn after_frame(&mut self, want: Vec<Placement>, buffer: &Buffer) -> (Plan, Vec<EncodeJob>) {
        let mut plan = Plan::default();
        let mut jobs = Vec::new();
        if !is_graphic(self.protocol) {
            return (plan, jobs);
        }
        if buffer.area != self.screen {
            // A resize redraws every cell; kitty's pictures outlive that.
            self.screen = buffer.area;
            if !self.shown.is_empty() && self.protocol == Protocol::Kitty {
                plan.bytes.extend_from_slice(KITTY_DELETE_ALL.as_bytes());
            }
            self.shown.clear();
        }
        let mut ready = Vec::new();
        for p in want {
            if let Some(seq) = self.sequences.get(&p.key) {
                ready.push((p, seq));
            } else if !self.pending.contains(&p.key) && !self.failed.contains(&p.key) {
                self.pending.insert(p.key.clone());
                jobs.push(EncodeJob {
                    placement: p,
                    protocol: self.protocol,
                });
            }
        }
        let now: Vec<(String, Rect)> = ready.iter().map(|(p, _)| (p.key.clone(), p.area)).collect();
        if now != self.shown {
            let redraw_all = self.protocol == Protocol::Kitty;
            if redraw_all && !self.shown.is_empty() {
                plan.bytes.extend_from_slice(KITTY_DELETE_ALL.as_bytes());
            }
            if !redraw_all {
                for (key, area) in &self.shown {
                    if !now.contains(&(key.clone(), *area)) {
                        push_cells(&mut plan.cells, buffer, *area);
                    }
                }
            }
            for (p, seq) in &ready {
                if redraw_all || !self.shown.contains(&(p.key.clone(), p.area)) {
                    // CSI row;col H is 1-based.
                    let _ = write!(plan.bytes, "\x1b[{};{}H", p.area.y + 1, p.area.x + 1);
                    plan.bytes.extend_from_slice(seq.as_bytes());
                }
            }
            self.shown = now;
        }
        if let Some(tx) = &self.encoder {
            for job in jobs.drain(..) {
                let key = job.placement.key.clone();
                if tx.send(job).is_err() {
                    self.pending.remove(&key);
                    self.failed.insert(key);
                }
            }
        }
        (plan, jobs)
    }
}

fn is_graphic(p: Protocol) -> bool {
    matches!(p, Protocol::Kitty | Protocol::Iterm | Protocol::Sixel)
}

fn push_cells(out: &mut Vec<(u16, u16, Cell)>, buffer: &Buffer, area: Rect) {
    let area = area.intersection(buffer.area);
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right() {
            if let Some(c) = buffer.cell((x, y)) {
                out.push((x, y, c.clone()));
            }
        }
    }
}

/// The escape sequence for a job: the image decoded at the box's size in
/// pixels (never larger than the original) and encoded for the protocol.
pub fn encode(job: &EncodeJob) -> Result<String, String> {
    let p = &job.placement;
    let bytes = p
        .source
        .bytes()
        .ok_or_else(|| "the image is no longer there".to_string())?;
    let (cw, ch) = cell_pixels();
    let picture = decode(
        bytes,
        u32::from(p.area.width).saturating_mul(cw),
        u32::from(p.area.height).saturating_mul(ch),
    )?;
    escape_sequence(&picture, job.protocol, p.area.width, p.area.height)
        .ok_or_else(|| "empty picture".to_string())
}

fn encode_loop(rx: &Receiver<EncodeJob>, tx: &Sender<Msg>) {
    while let Ok(job) = rx.recv() {
        let result = encode(&job);
        if tx
            .send(Msg::Encoded {
                key: job.placement.key,
                result,
            })
            .is_err()
        {
            return;
        }
    }
}
