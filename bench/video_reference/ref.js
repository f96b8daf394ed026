// The reference call: a bare RTCPeerConnection, offer/answer and candidates through
// the relay, nothing else. The caller clicks "Call"; the first decoded frame is timed
// the same way as on Mindhaven's call page (getStats every 50 ms).
const root = document.getElementById('call');
const room = new URLSearchParams(location.search).get('room') || 'bench';
const ws = new WebSocket(`ws://${location.host}/ws/${room}`);
const send = (m) => ws.send(JSON.stringify(m));
let pc = null;
let stream = null;

function connection() {
  pc = new RTCPeerConnection({ iceServers: [] });
  stream.getTracks().forEach((t) => pc.addTrack(t, stream));
  pc.onicecandidate = (e) => e.candidate && send({ type: 'candidate', candidate: e.candidate.toJSON() });
  pc.ontrack = (e) => { document.getElementById('remote').srcObject = e.streams[0]; };
  const poll = async () => {
    let frames = 0;
    (await pc.getStats()).forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video') frames += s.framesDecoded || 0;
    });
    if (frames > 0) root.dataset.firstFrameAt = String(Date.now());
    else setTimeout(poll, 50);
  };
  setTimeout(poll, 50);
  return pc;
}

ws.onmessage = async (event) => {
  const m = JSON.parse(event.data);
  if (m.type === 'offer') {
    connection();
    await pc.setRemoteDescription(m);
    await pc.setLocalDescription();
    send({ type: 'answer', sdp: pc.localDescription.sdp });
  } else if (m.type === 'answer') {
    await pc.setRemoteDescription(m);
  } else if (m.type === 'candidate') {
    await pc.addIceCandidate(m.candidate);
  }
};

document.getElementById('start').addEventListener('click', async () => {
  connection();
  await pc.setLocalDescription();
  send({ type: 'offer', sdp: pc.localDescription.sdp });
});

(async () => {
  stream = await navigator.mediaDevices.getUserMedia({
    video: { width: { ideal: 640 }, height: { ideal: 480 } },
    audio: true,
  });
  document.getElementById('local').srcObject = stream;
  const open = () => { root.dataset.state = 'ready'; };
  if (ws.readyState === WebSocket.OPEN) open(); else ws.onopen = open;
})();
