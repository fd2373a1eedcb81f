import 'reflect-metadata';
import { startTestSeatledger } from './support/seatledger';
(async () => {
  const s = await startTestSeatledger({ reactors: false });
  console.log(s.url);
  setTimeout(() => s.close(), 60000);
})();
