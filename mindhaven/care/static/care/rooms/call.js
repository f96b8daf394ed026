// The video room: waiting room, admission, and a 1:1 WebRTC call.
//
// Signalling goes through ws/care/rooms/<code>/ (care/signalling.py). The clinician's
// page makes the first offer of every connection (so the two never offer at once when
// the call starts) and is the one that repairs it: it sends its offer again when it may
// have been lost, and restarts ICE after a network drop. Any later renegotiation follows
// the "perfect negotiation" pattern, with the member as the polite side. Every peer
// connection has a random id sent with "join", so each side can tell a reloaded page
// (new connection, start again) from a socket that only reconnected (same connection,
// media may still flow).
//
// The page's state is in the DOM for assistive tech and for tests: data-state on
// #call, and the figures from getStats() as data-* attributes.

// media.js comes by its URL from the page: with hashed static file names (whitenoise's
// manifest storage) a relative import would ask for a name that is not served.
const {
  audioConstraints,
  deviceIdOf,
  fillDeviceSelect,
  openMedia,
  rememberDevice,
  uuid,
  videoConstraints,
} = await import(document.getElementById('call').dataset.mediaModule);
const { watchSocket } = await import(document.getElementById('call').dataset.livenessModule);

const root = document.getElementById('call');
const text = JSON.parse(document.getElementById('call-strings').textContent);
let iceServers = JSON.parse(document.getElementById('ice-servers').textContent);
const role = root.dataset.role;
const polite = role === 'member';
const myPeer = uuid();
const chatMax = Number(root.dataset.chatMax);

const $ = (id) => document.getElementById(id);
const statusLine = $('call-status');
const localVideo = $('local-video');
const remoteVideo = $('remote-video');
const muteButton = $('mute');
const cameraButton = $('camera-off');
const shareButton = $('share');
const hangupButton = $('hangup');
const admitButton = $('admit');
const reopenButton = $('reopen');
const cameraSelect = $('camera-select');
const micSelect = $('mic-select');
const chatForm = $('chat-form');
const chatText = $('chat-text');
const chatSend = $('chat-send');
const chatError = $('chat-error');
const chatLog = $('chat-log');

let socket = null;
let backoff = 500;
let opens = 0;
const outbox = [];
let admitted = false;
let ended = false;
let peerPresent = false;
let remotePeer = '';
const retiredPeers = new Set();
let localStream = null;
let screenTrack = null;
let pc = null;
let makingOffer = false;
let ignoreOffer = false;
let settingAnswer = false;
let statsTimer = null;
let lastRestart = 0;
let disconnectedSince = 0;
let previous = null; // the last stats sample, for rates
const shownChat = new Set();
let work = Promise.resolve(); // messages are handled one after another

function setState(state, message) {
  root.dataset.state = state;
  if (message && statusLine.textContent !== message) statusLine.textContent = message;
  const inCall = admitted && !ended;
  hangupButton.disabled = !inCall;
  chatText.disabled = !inCall;
  chatSend.disabled = !inCall;
  shareButton.disabled = !pc;
  $('ended').hidden = !ended;
  const waitingRoom = $('waiting-room');
  if (waitingRoom) waitingRoom.hidden = admitted || ended;
  const lobby = $('lobby');
  if (lobby) lobby.hidden = admitted || ended;
  if (admitButton) admitButton.disabled = !peerPresent || admitted;
}

function preCallState() {
  if (ended) return setState('ended', text.ended);
  if (role === 'member') return setState('waiting', text.waiting);
  return setState('lobby', peerPresent ? text.lobby : text.absent);
}

// --- signalling socket ---------------------------------------------------------

function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) {
    socket.send(JSON.stringify(message));
  } else if (message.type !== 'join') {
    outbox.push(message); // sent once the socket is back
  }
}

function connect() {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const ws = new WebSocket(`${scheme}://${location.host}${root.dataset.ws}`);
  socket = ws;
  ws.addEventListener('open', () => {
    backoff = 500;
    opens += 1;
    root.dataset.socket = 'open';
    root.dataset.socketOpens = String(opens);
    ws.send(JSON.stringify({ type: 'join', peer: myPeer }));
    while (outbox.length && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(outbox.shift()));
    if (opens > 1) resync();
  });
  // A socket that died silently (the network changed under it) is given up for a new one.
  watchSocket(ws, {
    onDead: () => {
      if (socket !== ws) return;
      lost(4000);
      ws.close(4000);
    },
  });
  ws.addEventListener('message', (event) => {
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    work = work.then(() => onMessage(message)).catch((error) => console.warn('call:', error));
  });
  ws.addEventListener('close', (event) => {
    if (socket === ws) lost(event.code);
  });
}

// The current socket is gone (closed with `code`, or given up as dead).
function lost(code) {
  socket = null;
  root.dataset.socket = 'closed';
  if (code === 4401 || code === 4404) {
    stopCall();
    stopMedia();
    return setState('refused', text.refused);
  }
  if (code === 4409) {
    stopCall();
    stopMedia();
    return setState('replaced', text.replaced);
  }
  // Any other code, 4429 (too many messages too fast) included: reconnect with
  // backoff; after 4429 the first try waits a few seconds.
  if (code === 4429) backoff = Math.max(backoff, 4000);
  if (admitted && !ended) setState('reconnecting', text.reconnecting);
  setTimeout(connect, backoff);
  backoff = Math.min(backoff * 2, 10000);
}

async function onMessage(message) {
  switch (message.type) {
    case 'state':
      admitted = message.admitted;
      ended = message.ended;
      if (!admitted && pc) stopCall();
      if (ended) stopMedia();
      if (!admitted) preCallState();
      else if (pc) updateCallState();
      else setState('connecting', role === 'member' ? text.admitted : text.connecting);
      break;
    case 'presence':
      await onPresence(message);
      break;
    case 'admitted':
      admitted = true;
      ended = false;
      await ensureMedia();
      if (peerPresent && !polite) startCall();
      else setState('connecting', role === 'member' ? text.admitted : text.connecting);
      break;
    case 'ended':
      admitted = false;
      ended = true;
      stopCall();
      stopMedia();
      setState('ended', text.ended);
      break;
    case 'offer':
    case 'answer':
    case 'candidate':
      await onSignal(message);
      break;
    case 'media':
      if (message.peer === remotePeer) showRemoteMedia(message.audio, message.video);
      break;
    case 'chat':
      showChat(message);
      break;
    case 'error':
      if (message.field === 'text') showChatError(message.message);
      else console.warn('call: the server refused a message:', message.field, message.message);
      break;
    default:
      break;
  }
}

async function onPresence(message) {
  if (!message.present) {
    if (message.peer !== remotePeer) return;
    peerPresent = false;
    if (!admitted) return preCallState();
    if (!mediaFlowing()) setState('reconnecting', text.peer_left);
    return;
  }
  if (retiredPeers.has(message.peer)) return;
  peerPresent = true;
  const fresh = message.peer !== remotePeer;
  if (fresh) newPeer(message.peer);
  if (!admitted) return preCallState();
  if (polite) {
    // The member waits for the clinician's offer; a reloaded clinician page sends a new one.
    if (fresh && pc) {
      stopCall();
      setState('connecting', text.connecting);
    }
    return;
  }
  if (fresh || !pc) startCall();
  else resync();
}

function newPeer(peer) {
  if (remotePeer) retiredPeers.add(remotePeer);
  remotePeer = peer;
  showRemoteMedia(true, true); // a new page starts with both on, and says otherwise
}

// --- whether each side's microphone and camera are on ------------------------------

function sendMediaState() {
  if (!admitted || ended) return;
  send({
    type: 'media',
    audio: muteButton.getAttribute('aria-pressed') !== 'true',
    video: cameraButton.getAttribute('aria-pressed') !== 'true',
  });
}

function showRemoteMedia(audio, video) {
  const line = $('remote-media');
  const parts = [];
  if (!audio) parts.push(text.peer_muted);
  if (!video) parts.push(text.peer_camera_off);
  line.textContent = parts.join(' ');
  line.hidden = parts.length === 0;
}

// --- the peer connection --------------------------------------------------------

function mediaFlowing() {
  return pc && ['connected', 'completed'].includes(pc.iceConnectionState);
}

function startCall() {
  stopCall();
  pc = new RTCPeerConnection({ iceServers, iceTransportPolicy: root.dataset.icePolicy || 'all' });
  makingOffer = false;
  ignoreOffer = false;
  settingAnswer = false;
  previous = null;
  const tracks = localStream ? localStream.getTracks() : [];
  for (const track of tracks) pc.addTrack(track, localStream);
  for (const kind of ['audio', 'video']) {
    if (!tracks.some((t) => t.kind === kind)) pc.addTransceiver(kind, { direction: 'recvonly' });
  }
  if (muteButton.getAttribute('aria-pressed') === 'true') setAudioSending(false);
  pc.addEventListener('track', ({ track, streams }) => {
    const stream = streams[0] || new MediaStream([track]);
    if (remoteVideo.srcObject !== stream) remoteVideo.srcObject = stream;
    playRemote();
  });
  pc.addEventListener('icecandidate', ({ candidate }) => {
    if (candidate) send({ type: 'candidate', candidate: candidate.toJSON() });
  });
  pc.addEventListener('negotiationneeded', negotiate);
  pc.addEventListener('iceconnectionstatechange', updateCallState);
  pc.addEventListener('connectionstatechange', updateCallState);
  pc.addEventListener('signalingstatechange', updateCallState);
  root.dataset.framesDecoded = '0';
  delete root.dataset.firstFrameAt;
  lastRestart = Date.now();
  disconnectedSince = 0;
  setState('connecting', text.connecting);
  sampleStats(50);
}

async function negotiate() {
  const connection = pc;
  try {
    makingOffer = true;
    await connection.setLocalDescription();
    const description = connection.localDescription;
    if (connection === pc && description) send({ type: description.type, sdp: description.sdp });
  } catch (error) {
    console.warn('call: could not make an offer', error);
  } finally {
    makingOffer = false;
  }
}

async function onSignal(message) {
  if (retiredPeers.has(message.peer)) return; // from a page that has since reloaded
  if (!admitted) return;
  if (message.peer !== remotePeer) {
    newPeer(message.peer);
    peerPresent = true;
    startCall();
  } else if (!pc) {
    startCall();
  }
  const connection = pc;
  if (message.type === 'candidate') {
    try {
      await connection.addIceCandidate(message.candidate);
    } catch (error) {
      if (!ignoreOffer) console.warn('call: a candidate was refused', error);
    }
    return;
  }
  const description = { type: message.type, sdp: message.sdp };
  const readyForOffer =
    !makingOffer && (connection.signalingState === 'stable' || settingAnswer);
  const collision = description.type === 'offer' && !readyForOffer;
  ignoreOffer = !polite && collision;
  if (ignoreOffer) return;
  try {
    settingAnswer = description.type === 'answer';
    await connection.setRemoteDescription(description);
    settingAnswer = false;
    if (description.type === 'offer') {
      await connection.setLocalDescription();
      send({ type: 'answer', sdp: connection.localDescription.sdp });
    }
  } catch (error) {
    // A description the browser cannot use: drop it; the call goes on as it was.
    settingAnswer = false;
    console.warn('call: a session description was refused', error);
  }
}

// The clinician's page repairs a connection that is not flowing: an offer still waiting
// for its answer is sent again (it may have been lost while a socket was down);
// otherwise ICE restarts.
function resync() {
  if (!pc || polite || !admitted) return;
  lastRestart = Date.now();
  if (pc.signalingState === 'have-local-offer' && pc.localDescription) {
    send({ type: 'offer', sdp: pc.localDescription.sdp });
  } else if (pc.signalingState === 'stable' && !mediaFlowing()) {
    restartIce();
  }
}

// After a network drop: a new offer with new ICE credentials; an offer lost while the
// socket was down is rolled back first.
async function restartIce() {
  if (!pc || polite || !admitted) return;
  lastRestart = Date.now();
  const connection = pc;
  try {
    if (connection.signalingState === 'have-local-offer') {
      await connection.setLocalDescription({ type: 'rollback' });
    }
    await refreshIceServers();
    connection.restartIce();
    root.dataset.iceRestarts = String(Number(root.dataset.iceRestarts || 0) + 1);
  } catch (error) {
    console.warn('call: ICE restart failed', error);
  }
}

async function refreshIceServers() {
  try {
    const response = await fetch(root.dataset.iceUrl, { credentials: 'same-origin' });
    if (!response.ok) return;
    iceServers = (await response.json()).ice_servers;
    if (pc) pc.setConfiguration({ ...pc.getConfiguration(), iceServers });
  } catch {
    // Offline: keep the servers (and credentials) we have.
  }
}

function updateCallState() {
  if (pc) {
    // For people helping with a call that does not connect (and for tests).
    root.dataset.ice = pc.iceConnectionState;
    root.dataset.signaling = pc.signalingState;
  }
  if (!pc || !admitted || ended) return;
  const ice = pc.iceConnectionState;
  if (mediaFlowing()) {
    // Connected (again): tell the other side whether this microphone and camera are on.
    if (root.dataset.state !== 'connected') sendMediaState();
    disconnectedSince = 0;
    if (socket) setState('connected', text.connected);
    else setState('reconnecting', text.reconnecting);
  } else if (ice === 'disconnected' || ice === 'failed') {
    if (!disconnectedSince) disconnectedSince = Date.now();
    setState('reconnecting', text.reconnecting);
    if (ice === 'failed') restartIce();
  } else if (root.dataset.state !== 'reconnecting') {
    setState('connecting', text.connecting);
  }
}

function stopCall() {
  clearTimeout(statsTimer);
  statsTimer = null;
  if (pc) {
    pc.close();
    pc = null;
  }
  if (screenTrack) stopSharing();
  remoteVideo.srcObject = null;
  for (const id of ['encryption', 'route', 'quality']) $(id).textContent = '–';
  delete root.dataset.route;
  delete root.dataset.quality;
}

function playRemote() {
  remoteVideo.play().catch(() => {
    // Autoplay with sound was blocked: play muted, and offer the sound on a tap.
    remoteVideo.muted = true;
    remoteVideo.play().catch(() => {});
    const button = $('remote-sound');
    if (button) button.hidden = false;
  });
}

// --- getStats: what flows, how well, and by which route --------------------------

async function sampleStats(delay) {
  clearTimeout(statsTimer);
  statsTimer = setTimeout(async () => {
    const connection = pc;
    if (!connection) return;
    let report;
    try {
      report = await connection.getStats();
    } catch {
      return;
    }
    if (connection !== pc) return;
    readStats(report);
    // Fast until the first frame (so the join-to-first-frame time is exact), then calm.
    sampleStats(root.dataset.firstFrameAt ? 500 : 50);
  }, delay);
}

function readStats(report) {
  const now = { framesDecoded: 0, audioSent: 0, audioReceived: 0, lost: 0, received: 0 };
  let pair = null;
  let transport = null;
  const byId = new Map();
  report.forEach((stat) => {
    byId.set(stat.id, stat);
    if (stat.type === 'inbound-rtp') {
      now.lost += stat.packetsLost || 0;
      now.received += stat.packetsReceived || 0;
      if (stat.kind === 'video') now.framesDecoded += stat.framesDecoded || 0;
      if (stat.kind === 'audio') now.audioReceived += stat.packetsReceived || 0;
    } else if (stat.type === 'outbound-rtp' && stat.kind === 'audio') {
      now.audioSent += stat.packetsSent || 0;
    } else if (stat.type === 'transport') {
      transport = stat;
    }
  });
  if (transport && transport.selectedCandidatePairId) pair = byId.get(transport.selectedCandidatePairId);
  if (!pair) {
    report.forEach((stat) => {
      if (stat.type === 'candidate-pair' && stat.nominated && stat.state === 'succeeded') pair = stat;
    });
  }
  root.dataset.samples = String(Number(root.dataset.samples || 0) + 1);
  root.dataset.framesDecoded = String(now.framesDecoded);
  root.dataset.audioPacketsSent = String(now.audioSent);
  root.dataset.audioPacketsReceived = String(now.audioReceived);
  if (now.framesDecoded > 0 && !root.dataset.firstFrameAt) {
    root.dataset.firstFrameAt = String(Date.now());
  }
  if (transport && transport.dtlsState === 'connected') {
    $('encryption').textContent = text.encrypted;
    root.dataset.encrypted = transport.srtpCipher || 'dtls-srtp';
  }
  if (pair) {
    const local = byId.get(pair.localCandidateId);
    const remote = byId.get(pair.remoteCandidateId);
    const relayed = [local, remote].some((c) => c && c.candidateType === 'relay');
    root.dataset.route = relayed ? 'relay' : 'direct';
    $('route').textContent = relayed ? text.relay : text.direct;
    showQuality(pair, now);
  }
  previous = now;
}

function showQuality(pair, now) {
  const rtt = Math.round((pair.currentRoundTripTime || 0) * 1000);
  let loss = 0;
  if (previous) {
    const lost = Math.max(0, now.lost - previous.lost);
    const received = Math.max(0, now.received - previous.received);
    loss = lost + received > 0 ? (100 * lost) / (lost + received) : 0;
  }
  let quality = 'good';
  if (rtt > 400 || loss > 8) quality = 'poor';
  else if (rtt > 150 || loss > 2) quality = 'fair';
  root.dataset.quality = quality;
  // Numbers as the page's language writes them ("0,5 %" in Spanish).
  const percent = new Intl.NumberFormat(document.documentElement.lang || undefined, {
    style: 'percent',
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
  });
  const details = text.stats
    .replace('{rtt}', rtt.toLocaleString(document.documentElement.lang || undefined))
    .replace('{loss}', percent.format(loss / 100));
  $('quality').textContent = `${text[quality]} (${details})`;
}

// --- camera, microphone, screen ---------------------------------------------------

async function ensureMedia() {
  const live = localStream && localStream.getTracks().some((t) => t.readyState === 'live');
  if (live) return;
  try {
    localStream = await openMedia();
  } catch (error) {
    console.warn('call: no camera or microphone', error);
    localStream = new MediaStream();
    statusLine.textContent = text.no_media;
  }
  localVideo.srcObject = localStream;
  const audio = localStream.getAudioTracks()[0];
  const video = localStream.getVideoTracks()[0];
  if (audio) audio.enabled = muteButton.getAttribute('aria-pressed') !== 'true';
  if (video) video.enabled = cameraButton.getAttribute('aria-pressed') !== 'true';
  await fillDeviceSelect(cameraSelect, 'videoinput', deviceIdOf(video), text.camera);
  await fillDeviceSelect(micSelect, 'audioinput', deviceIdOf(audio), text.microphone);
}

function stopMedia() {
  if (localStream) for (const track of localStream.getTracks()) track.stop();
  localVideo.srcObject = null;
}

function audioSender() {
  if (!pc) return null;
  const transceiver = pc
    .getTransceivers()
    .find((t) => t.receiver.track && t.receiver.track.kind === 'audio');
  return transceiver ? transceiver.sender : null;
}

// Muting stops sending audio at all (no packets leave), not only silence.
function setAudioSending(on) {
  const track = localStream && localStream.getAudioTracks()[0];
  if (track) track.enabled = on;
  const sender = audioSender();
  if (sender) sender.replaceTrack(on && track ? track : null).catch(() => {});
}

muteButton.addEventListener('click', () => {
  const muted = muteButton.getAttribute('aria-pressed') !== 'true';
  muteButton.setAttribute('aria-pressed', String(muted));
  setAudioSending(!muted);
  sendMediaState();
});

cameraButton.addEventListener('click', () => {
  const off = cameraButton.getAttribute('aria-pressed') !== 'true';
  cameraButton.setAttribute('aria-pressed', String(off));
  const track = localStream && localStream.getVideoTracks()[0];
  if (track) track.enabled = !off; // the other side sees black frames, not a frozen one
  sendMediaState();
});

async function switchDevice(kind, deviceId) {
  const audio = kind === 'audioinput';
  const constraints = audio
    ? { audio: audioConstraints(deviceId), video: false }
    : { video: videoConstraints(deviceId), audio: false };
  let fresh;
  try {
    fresh = (await navigator.mediaDevices.getUserMedia(constraints)).getTracks()[0];
  } catch (error) {
    console.warn('call: could not switch device', error);
    return;
  }
  rememberDevice(kind, deviceId);
  const old = audio ? localStream.getAudioTracks()[0] : localStream.getVideoTracks()[0];
  if (old) {
    fresh.enabled = old.enabled;
    localStream.removeTrack(old);
    old.stop();
  }
  localStream.addTrack(fresh);
  localVideo.srcObject = localStream;
  if (pc) {
    const transceiver = pc
      .getTransceivers()
      .find((t) => t.receiver.track && t.receiver.track.kind === fresh.kind);
    const muted = audio && muteButton.getAttribute('aria-pressed') === 'true';
    const sharing = !audio && screenTrack;
    if (transceiver && !muted && !sharing) await transceiver.sender.replaceTrack(fresh);
  }
}

cameraSelect.addEventListener('change', () => switchDevice('videoinput', cameraSelect.value));
micSelect.addEventListener('change', () => switchDevice('audioinput', micSelect.value));

function videoSender() {
  if (!pc) return null;
  const transceiver = pc
    .getTransceivers()
    .find((t) => t.receiver.track && t.receiver.track.kind === 'video');
  return transceiver ? transceiver.sender : null;
}

async function startSharing() {
  try {
    const display = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    screenTrack = display.getVideoTracks()[0];
  } catch {
    return; // the person cancelled
  }
  screenTrack.addEventListener('ended', stopSharing);
  const sender = videoSender();
  if (sender) await sender.replaceTrack(screenTrack);
  localVideo.srcObject = new MediaStream([screenTrack]);
  shareButton.setAttribute('aria-pressed', 'true');
}

function stopSharing() {
  if (!screenTrack) return;
  screenTrack.removeEventListener('ended', stopSharing);
  screenTrack.stop();
  screenTrack = null;
  const camera = localStream && localStream.getVideoTracks()[0];
  const sender = videoSender();
  if (sender) sender.replaceTrack(camera || null).catch(() => {});
  localVideo.srcObject = localStream;
  shareButton.setAttribute('aria-pressed', 'false');
}

if (navigator.mediaDevices && 'getDisplayMedia' in navigator.mediaDevices) {
  shareButton.hidden = false;
  shareButton.addEventListener('click', () => (screenTrack ? stopSharing() : startSharing()));
}

// --- admission, ending, chat --------------------------------------------------------

if (admitButton) admitButton.addEventListener('click', () => send({ type: 'admit' }));
if (reopenButton) {
  reopenButton.addEventListener('click', async () => {
    await ensureMedia();
    send({ type: 'admit' });
  });
}
hangupButton.addEventListener('click', () => send({ type: 'hangup' }));

function showChat(line) {
  if (shownChat.has(line.id)) return;
  shownChat.add(line.id);
  const item = document.createElement('li');
  item.className = line.mine ? 'chat-mine' : 'chat-theirs';
  const who = document.createElement('span');
  who.className = 'chat-who';
  who.textContent = line.mine ? text.you : line.name;
  const body = document.createElement('span');
  body.className = 'chat-text';
  body.textContent = line.text;
  item.append(who, body);
  if (line.urgent) item.classList.add('chat-urgent');
  chatLog.append(item);
  chatLog.scrollTop = chatLog.scrollHeight;
  if (line.urgent && line.mine) {
    const panel = $('support-panel');
    if (panel) {
      panel.hidden = false;
      panel.focus();
    }
  }
}

function showChatError(message) {
  chatError.textContent = message;
  chatError.hidden = false;
}

chatForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const value = chatText.value.trim();
  chatError.hidden = true;
  if (!value || value.length > chatMax) {
    showChatError(text.chat_failed);
    return;
  }
  send({ type: 'chat', id: uuid(), text: value });
  chatText.value = '';
});

chatText.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey) {
    event.preventDefault();
    chatForm.requestSubmit();
  }
});

const soundButton = $('remote-sound');
if (soundButton) {
  soundButton.addEventListener('click', () => {
    remoteVideo.muted = false;
    remoteVideo.play().catch(() => {});
    soundButton.hidden = true;
  });
}

// The clinician's page keeps repairing a connection that does not flow: a short
// "disconnected" often heals by itself; a connection still setting up gets longer.
setInterval(() => {
  if (!pc || polite || !admitted || !socket || mediaFlowing()) return;
  const ice = pc.iceConnectionState;
  const stuck = disconnectedSince && Date.now() - disconnectedSince > 3000;
  if (ice === 'disconnected' && !stuck) return;
  const patience = ice === 'new' || ice === 'checking' ? 10000 : 5000;
  if (Date.now() - lastRestart > patience) resync();
}, 1000);

window.addEventListener('pagehide', () => {
  if (socket) socket.close(1000);
});

async function main() {
  setState('starting', text.starting);
  await ensureMedia();
  connect();
}

main();
